/**
 * The dashboard's pages to look at: the overview (`/`), a bundle with its
 * versions, a diff of two versions, a rollout, the open drift findings and
 * the pipeline of environments. Each is read from the public API and
 * rendered by its template in views/, for a reader `access.view` let in;
 * nothing here changes anything.
 *
 * @example
 *   app.route('/', pageRoutes({ h, access })); // GET /, /ui/bundles/:bundle, ...
 */
import { type Context, Hono } from 'hono';
import * as drover from '../../lib/index.ts';
import { type DaemonHandle, toDroverError, UsageError, type Workspace } from '../../lib/index.ts';
import type { AppEnv } from '../app-env.ts';
import type { DashboardAccess } from './access.ts';
import { htmlReply } from './reply.ts';
import { bundlePage } from './views/bundle.ts';
import { diffPage } from './views/diff.ts';
import { driftPage } from './views/drift.ts';
import type { PageContext } from './views/layout.ts';
import { overviewPage, PAGE_SIZE } from './views/overview.ts';
import { PIPELINE_PAGE, pipelinePage } from './views/pipeline.ts';
import { rolloutPage } from './views/rollout.ts';

/** What a page is rendered from: the workspace, the request, and the reader's page context. */
interface PageArgs {
  ws: Workspace;
  c: Context<AppEnv>;
  /** The request's query string. */
  query: URLSearchParams;
  page: PageContext;
}

export function pageRoutes({ h, access }: { h: DaemonHandle; access: DashboardAccess }): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const show = (path: string, render: (args: PageArgs) => Promise<Response>) =>
    app.get(
      path,
      access.view((c, page) => render({ ws: h.ctx.ws, c, query: new URL(c.req.url).searchParams, page })),
    );
  show('/', showOverview);
  show('/ui/bundles/:bundle', showBundle);
  show('/ui/bundles/:bundle/diff', showDiff);
  show('/ui/rollouts/:bundle/:version/:environment', showRollout);
  show('/ui/drift', showDrift);
  show('/ui/pipeline', showPipeline);
  return app;
}

async function showOverview({ ws, c, query, page }: PageArgs): Promise<Response> {
  const pageNo = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const namespace = query.has('namespace') && query.get('namespace') !== '' ? query.get('namespace')! : undefined;
  return drover
    .overview({
      ws,
      q: query.get('q') ?? '',
      ...(namespace !== undefined ? { namespace } : {}),
      offset: (pageNo - 1) * PAGE_SIZE,
      limit: PAGE_SIZE,
    })
    .then((v) => htmlReply(c, 200, overviewPage({ view: v, ctx: page })));
}

async function showBundle({ ws, c, query, page }: PageArgs): Promise<Response> {
  const detail = await drover.bundle({ ws, bundle: c.req.param('bundle')! });
  const versions = await Promise.all(
    detail.versions.slice(0, 30).map((v) => drover.show({ ws, bundle: detail.name, version: v.version })),
  );
  const wanted = query.get('version') ?? versions[0]?.version;
  // The version shown is checked against the trusted keys (a verified digest costs no request again in this process).
  const selected = wanted
    ? await drover.show({
        ws,
        bundle: detail.name,
        version: wanted,
        signature: true,
        signal: AbortSignal.timeout(10_000),
      })
    : undefined;
  let discovered: drover.DiscoveredView | undefined;
  let discoverError: string | null = null;
  if (selected && selected.version === detail.latest) {
    try {
      discovered = (
        await drover.discover({
          ws,
          bundle: detail.name,
          signal: AbortSignal.timeout(10_000),
        })
      )[0];
    } catch (err) {
      discoverError = toDroverError(err).message;
    }
  }
  return htmlReply(c, 200, bundlePage({ detail, versions, selected, discovered, discoverError, ctx: page }));
}

async function showDiff({ ws, c, query, page }: PageArgs): Promise<Response> {
  const bundle = (await drover.bundle({ ws, bundle: c.req.param('bundle')! })).name;
  const from = query.get('from');
  const to = query.get('to');
  if (!from || !to) throw new UsageError('a diff needs from and to');
  const diff = await drover.diff({
    ws,
    from: `${bundle}@${from}`,
    to: `${bundle}@${to}`,
    signal: AbortSignal.timeout(30_000),
  });
  return htmlReply(c, 200, diffPage({ bundle, from, to, diff, ctx: page }));
}

async function showRollout({ ws, c, page }: PageArgs): Promise<Response> {
  const { bundle, version, environment } = c.req.param() as { bundle: string; version: string; environment: string };
  let view = await drover.rollout({ ws, bundle, version, environment });
  let gatherError: string | null = null;
  // A rollout that failed or is in flight: read its clusters' Events now (bounded), so the page has the cause, not only what was gathered before.
  if (view.outcome !== 'healthy') {
    try {
      const env = ws.config.environments.find((e) => e.name === environment)!;
      const clusters = env.clusters.filter((c) => ws.config.clusters.find((x) => x.name === c)?.mode !== 'agent');
      if (clusters.length) {
        const signal = AbortSignal.timeout(5_000);
        await Promise.all(clusters.map((cluster) => drover.events({ ws, bundle, cluster, gather: true, signal })));
        view = await drover.rollout({ ws, bundle, version, environment });
      }
    } catch (err) {
      gatherError = toDroverError(err).message;
    }
  }
  return htmlReply(c, 200, rolloutPage({ view, gatherError, ctx: page }));
}

async function showDrift({ ws, c, query, page }: PageArgs): Promise<Response> {
  const bundle = query.get('bundle') || undefined;
  const cluster = query.get('cluster') || undefined;
  const findings = await drover.driftFindings({
    ws,
    ...(bundle ? { bundle } : {}),
    ...(cluster ? { cluster } : {}),
    open: true,
    limit: 500,
  });
  return htmlReply(
    c,
    200,
    driftPage({ findings, filter: { ...(bundle ? { bundle } : {}), ...(cluster ? { cluster } : {}) }, ctx: page }),
  );
}

async function showPipeline({ ws, c, query, page }: PageArgs): Promise<Response> {
  const environments = await drover.environments({ ws });
  const all = await drover.bundles({ ws });
  const quarantine = await drover.quarantine({ ws });
  const q = new Set(quarantine.map((x) => `${x.bundle}\0${x.version}\0${x.environment}`));
  const pageNo = Math.max(1, Math.min(Math.ceil(all.length / PIPELINE_PAGE) || 1, Number(query.get('page') ?? 1) || 1));
  return htmlReply(
    c,
    200,
    pipelinePage({
      environments,
      latest: new Map(all.map((b) => [b.name, b.latest])),
      quarantined: (b, v, e) => q.has(`${b}\0${v}\0${e}`),
      pageNo,
      ctx: page,
    }),
  );
}
