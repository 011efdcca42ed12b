/**
 * The JSON API under `/api/v1`, every route behind the bearer token: reads
 * of what the state knows (bundles, versions, environments, clusters,
 * releases with their steps, quarantine, drift findings and heals, Kubernetes
 * Events, sources, the daemon's queue) and
 * actions (cut, deploy, promote, rollback, heal, reconcile) that run the same library calls
 * as the CLI, under the loop's per-bundle lock, and answer when done.
 *
 * Every read goes through the public API (lib/index.ts), the same functions
 * the CLI calls, and answers from the state database (status and clusters
 * also read the clusters unless `?live=false`). A rollout (deploy, promote,
 * rollback) answers its result with the status of its one outcome: 200
 * healthy, 409 refused (nothing written), 422 rolled back, 500 needs a
 * person, 503 not run; `POST /api/v1/plan` answers the plan without doing
 * it, and an action may post that plan's id (`plan`) to be refused if it
 * went stale. Other errors answer with the error's own `httpStatus` (400
 * invalid, 404 not found, 409 conflict, 503 unavailable).
 *
 * @example
 *   curl -H "Authorization: Bearer $DROVER_API_TOKEN" http://127.0.0.1:7070/api/v1/releases?bundle=web
 */
import * as drover from '../lib/index.ts';
import {
  type DaemonHandle,
  type DeployResult,
  NotFoundError,
  outcomeError,
  UsageError,
  type Workspace,
} from '../lib/index.ts';
import { Hono, type Context } from 'hono';
import type { AppEnv } from './app-env.ts';
import { requireBearer } from './bearer-auth.ts';
import { readJsonObject } from './read-json.ts';
import { errorReply, jsonReply } from './reply.ts';

const ACTION_BODY_MAX = 64 * 1024;

type C = Context<AppEnv>;
const ok = (c: C, json: unknown): Response => jsonReply(c, 200, json);
const queryOf = (c: C) => new URL(c.req.url).searchParams;
const param = (c: C, name: string) => c.req.param(name)!;
const limitOf = (q: URLSearchParams) => Math.min(1000, Math.max(1, Number(q.get('limit') ?? 50) || 50));
const filterOf = (q: URLSearchParams) => ({
  ...(q.get('bundle') ? { bundle: q.get('bundle')! } : {}),
  ...(q.get('cluster') ? { cluster: q.get('cluster')! } : {}),
});
const text = (v: unknown, name: string, required = true): string | undefined => {
  if (v === undefined || v === null || v === '') {
    if (required) throw new UsageError(`${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new UsageError(`${name} must be a string`);
  return v;
};

/** A rollout's answer: its status from its one outcome (outcomeError's class), the result, and the error when it is not healthy. */
const deployReply = (c: C, r: DeployResult): Response => {
  const e = outcomeError(r);
  return jsonReply(c, e?.httpStatus ?? 200, e ? { ...r, error: e.toJSON() } : r);
};

/** Wraps an action: refused while shutting down, run under `key`'s lock, the bundle woken afterwards for follow-ups. */
function act(h: DaemonHandle, run: (c: C, body: Record<string, unknown>) => Promise<Response>) {
  return async (c: C): Promise<Response> => {
    if (h.status().shuttingDown) return errorReply(c, 503, 'E_UNAVAILABLE', 'shutting down: not taking actions');
    if (!h.status().ready) return errorReply(c, 503, 'E_UNAVAILABLE', 'not ready: recovery still running');
    return run(c, await readJsonObject({ c, maxBytes: ACTION_BODY_MAX }));
  };
}

/** Every route under `/api/v1`, all behind the bearer token. */
export function apiRoutes(h: DaemonHandle): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.use(
    '*',
    requireBearer(() => h.apiToken),
  );
  readRoutes(app, h);
  actionRoutes(app, h);
  return app;
}

/** What the state knows (and, for status and clusters, what the clusters say), read through the public API. */
function readRoutes(app: Hono<AppEnv>, h: DaemonHandle): void {
  const ws = () => h.ctx.ws;
  app.get('/daemon', (c) => ok(c, { ...h.status(), queue: h.queue(), dependencies: h.ctx.deps.snapshot() }));
  app.get('/bundles', async (c) => ok(c, await drover.bundles({ ws: ws() })));
  app.get('/bundles/:bundle', async (c) => ok(c, await drover.bundle({ ws: ws(), bundle: param(c, 'bundle') })));
  app.get('/bundles/:bundle/versions', async (c) =>
    ok(c, await drover.versions({ ws: ws(), bundle: param(c, 'bundle'), known: true })),
  );
  app.get('/bundles/:bundle/versions/:version', async (c) =>
    ok(c, await drover.show({ ws: ws(), bundle: param(c, 'bundle'), version: param(c, 'version') })),
  );
  app.get('/sources', async (c) => ok(c, await drover.sources({ ws: ws() })));
  app.get('/environments', async (c) => ok(c, await drover.environments({ ws: ws() })));
  app.get('/clusters', async (c) => {
    const rows = await drover.status({
      ws: ws(),
      live: queryOf(c).get('live') !== 'false',
      signal: AbortSignal.timeout(30_000),
    });
    return ok(c, clustersView({ config: ws().config, rows }));
  });
  // Status reads each cluster (inventories, member health) unless ?live=false: then the journal's view only.
  app.get('/status', async (c) =>
    ok(
      c,
      await drover.status({ ws: ws(), live: queryOf(c).get('live') !== 'false', signal: AbortSignal.timeout(30_000) }),
    ),
  );
  app.get('/releases', async (c) => {
    const query = queryOf(c);
    const bundle = query.get('bundle') ?? undefined;
    const cluster = query.get('cluster') ?? undefined;
    return ok(
      c,
      await drover.releases({
        ws: ws(),
        ...(bundle ? { bundle } : {}),
        ...(cluster ? { cluster } : {}),
        limit: limitOf(query),
        steps: query.get('steps') === 'true',
      }),
    );
  });
  app.get('/releases/:id', async (c) => {
    const id = param(c, 'id');
    if (!/^\d+$/.test(id)) throw new NotFoundError(`no release ${id}`, { data: { id } });
    return ok(c, await drover.release({ ws: ws(), id: Number(id) }));
  });
  app.get('/quarantine', async (c) => {
    const bundle = queryOf(c).get('bundle');
    return ok(c, await drover.quarantine({ ws: ws(), ...(bundle ? { bundle } : {}) }));
  });
  // Drift findings as recorded (open ones by default; ?open=false for history), and self-heal attempts.
  app.get('/drift', async (c) => {
    const query = queryOf(c);
    return ok(
      c,
      await drover.driftFindings({
        ws: ws(),
        ...filterOf(query),
        open: query.get('open') !== 'false',
        limit: limitOf(query),
      }),
    );
  });
  app.get('/drift/heals', async (c) =>
    ok(c, await drover.driftHeals({ ws: ws(), ...filterOf(queryOf(c)), limit: limitOf(queryOf(c)) })),
  );
  app.get('/bundles/:bundle/events', async (c) =>
    ok(c, await bundleEvents({ ws: ws(), bundle: param(c, 'bundle'), query: queryOf(c) })),
  );
}

/** Actions, each through `act`: the loop's own actions, so under the bundle's lock, answering when done. */
function actionRoutes(app: Hono<AppEnv>, h: DaemonHandle): void {
  const ws = () => h.ctx.ws;
  app.post(
    '/cut',
    act(h, async (c, body) => {
      const source = text(body.source, 'source', false);
      const bundle = text(body.bundle, 'bundle', false);
      return ok(c, await h.actions.cut({ ...(source ? { source } : {}), ...(bundle ? { bundle } : {}) }));
    }),
  );
  app.post(
    '/reconcile',
    act(h, async (c, body) => {
      const bundle = (await drover.bundle({ ws: ws(), bundle: text(body.bundle, 'bundle')! })).name;
      h.wakeBundle(bundle);
      return jsonReply(c, 202, { woken: bundle });
    }),
  );
  app.post(
    '/plan',
    act(h, async (c, body) => {
      const reason = text(body.action, 'action')!;
      if (reason !== 'deploy' && reason !== 'promote' && reason !== 'rollback')
        throw new UsageError('action must be deploy, promote or rollback');
      return ok(c, await h.actions.plan(planRequest({ reason, body })));
    }),
  );
  rolloutRoutes(app, h);
  app.post(
    '/heal',
    act(h, async (c, body) => {
      const r = await h.actions.heal({ bundle: text(body.bundle, 'bundle')!, cluster: text(body.cluster, 'cluster')! });
      return jsonReply(c, r.heals.every((x) => x.outcome !== 'failed') ? 200 : 409, r);
    }),
  );
}

/** The rollouts (deploy, promote, rollback): each answers with the status of its one outcome. */
function rolloutRoutes(app: Hono<AppEnv>, h: DaemonHandle): void {
  app.post(
    '/deploy',
    act(h, async (c, body) => {
      const environment = text(body.environment, 'environment', false);
      const cluster = text(body.cluster, 'cluster', false);
      if (!environment === !cluster) throw new UsageError('deploy needs exactly one of environment or cluster');
      return deployReply(
        c,
        await h.actions.deploy({
          bundle: text(body.bundle, 'bundle')!,
          version: text(body.version, 'version')!,
          ...(environment ? { environment } : {}),
          ...(cluster ? { cluster } : {}),
          plan: text(body.plan, 'plan', false),
        }),
      );
    }),
  );
  app.post(
    '/promote',
    act(h, async (c, body) => {
      const version = text(body.version, 'version', false);
      return deployReply(
        c,
        await h.actions.promote({
          bundle: text(body.bundle, 'bundle')!,
          to: text(body.to, 'to')!,
          ...(version ? { version } : {}),
          plan: text(body.plan, 'plan', false),
        }),
      );
    }),
  );
  app.post(
    '/rollback',
    act(h, async (c, body) => {
      const to = text(body.to, 'to', false);
      return deployReply(
        c,
        await h.actions.rollback({
          bundle: text(body.bundle, 'bundle')!,
          environment: text(body.environment, 'environment')!,
          ...(to ? { to } : {}),
          plan: text(body.plan, 'plan', false),
        }),
      );
    }),
  );
}

/** Each configured cluster with its context, the environments it is in, and its bundles' status rows. */
function clustersView({ config, rows }: { config: Workspace['config']; rows: drover.StatusRow[] }) {
  return config.clusters.map((c) => ({
    name: c.name,
    context: c.context,
    environments: config.environments.filter((e) => e.clusters.includes(c.name)).map((e) => e.name),
    bundles: rows.filter((r) => r.cluster === c.name),
  }));
}

/** The Kubernetes Events of a bundle's members and their children, as gathered into the state (`?version=`, `?cluster=`). */
async function bundleEvents({ ws, bundle: name, query }: { ws: Workspace; bundle: string; query: URLSearchParams }) {
  const bundle = (await drover.bundle({ ws, bundle: name })).name;
  const version = query.get('version');
  const cluster = query.get('cluster');
  return (
    await drover.events({
      ws,
      bundle,
      gather: false,
      ...(version ? { version } : {}),
      ...(cluster ? { cluster } : {}),
    })
  ).events;
}

/** What `POST /api/v1/plan` asks to plan: a promote names its environment `to`, a rollback its version `to`. */
function planRequest({ reason, body }: { reason: 'deploy' | 'promote' | 'rollback'; body: Record<string, unknown> }) {
  return {
    bundle: text(body.bundle, 'bundle')!,
    reason,
    environment: text(
      reason === 'promote' ? body.to : body.environment,
      reason === 'promote' ? 'to' : 'environment',
      false,
    ),
    cluster: text(body.cluster, 'cluster', false),
    version: text(reason === 'rollback' ? body.to : body.version, reason === 'rollback' ? 'to' : 'version', false),
  };
}
