/**
 * The JSON API under `/api/v1`, every route behind the bearer token: reads
 * of what the state knows (bundles, versions, environments, clusters,
 * releases with their steps, quarantine, drift findings and heals, Kubernetes
 * Events, sources, the daemon's queue) and
 * actions (cut, deploy, promote, rollback, reconcile) that run the same library calls
 * as the CLI, under the loop's per-bundle lock, and answer when done.
 *
 * Reads answer from the state database only; actions answer 200 when the
 * rollout is healthy, 409 when it failed and was rolled back, and map other
 * errors by code (400 invalid, 404 not found, 409 conflict, 503 unavailable).
 *
 * @example
 *   curl -H "Authorization: Bearer $DROVER_API_TOKEN" http://127.0.0.1:7070/api/v1/releases?bundle=web
 */
import { NotFoundError, UsageError } from '../errors/errors.ts';
import { redactUrl } from '../source/redact.ts';
import { listFindings, listHeals, openFindings } from '../state/drift.ts';
import { listKubeEvents } from '../state/events.ts';
import { listQuarantine } from '../state/quarantine.ts';
import { releaseWithSteps } from '../state/queries.ts';
import { listReleases } from '../state/releases.ts';
import { getVersion, lastCutCommit, latestVersion, listBundles, listVersions, type VersionRecord } from '../state/versions.ts';
import type { DeployResult } from '../workspace/deploy.ts';
import { bundleStatus } from '../workspace/status.ts';
import { cutSourceAction, deployAction, promoteAction, rollbackAction } from './actions.ts';
import type { DaemonHandle } from './daemon-handle.ts';
import { readJsonObject } from './read-json.ts';
import { readEnvironmentStates } from './reconcile-bundle.ts';
import { errorReply, type Reply, type RequestContext, type Route } from './router.ts';

const ACTION_BODY_MAX = 64 * 1024;

const ok = (json: unknown): Reply => ({ status: 200, json });
const limitOf = (q: URLSearchParams) => Math.min(1000, Math.max(1, Number(q.get('limit') ?? 50) || 50));
const brief = ({ config: _c, ...v }: VersionRecord) => v;
const text = (v: unknown, name: string, required = true): string | undefined => {
  if (v === undefined || v === null || v === '') {
    if (required) throw new UsageError(`${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new UsageError(`${name} must be a string`);
  return v;
};

function knownBundle(h: DaemonHandle, bundle: string) {
  const b = listBundles(h.ctx.ws.db).find((x) => x.name === bundle);
  if (!b) throw new NotFoundError(`no bundle named ${bundle}`, { data: { bundle } });
  return b;
}

function bundleView(h: DaemonHandle, b: { name: string; source: string; repository: string }) {
  return {
    ...b,
    latest: latestVersion(h.ctx.ws.db, b.name)?.version ?? null,
    environments: readEnvironmentStates(h.ctx, b.name).map((e) => ({ name: e.name, runs: e.runs ?? null, healthySince: e.healthySinceMs !== undefined ? new Date(e.healthySinceMs).toISOString() : null })),
  };
}

const deployReply = (r: DeployResult): Reply => ({ status: r.ok ? 200 : 409, json: r });

/** Wraps an action: refused while shutting down, run under `key`'s lock, the bundle woken afterwards for follow-ups. */
async function act(h: DaemonHandle, ctx: RequestContext, run: (body: Record<string, unknown>) => Promise<Reply>): Promise<Reply> {
  if (h.status().shuttingDown) return errorReply(503, 'E_UNAVAILABLE', 'shutting down: not taking actions');
  if (!h.status().ready) return errorReply(503, 'E_UNAVAILABLE', 'not ready: recovery still running');
  const body = await readJsonObject(ctx.req, ACTION_BODY_MAX);
  if (!body.ok) return body.reply;
  return run(body.value);
}

export function apiRoutes(h: DaemonHandle): Route[] {
  const db = () => h.ctx.ws.db;
  const cfg = () => h.ctx.ws.config;
  const route = (method: 'GET' | 'POST', path: string, handler: Route['handler']): Route => ({ method, path, auth: 'token', handler });
  return [
    route('GET', '/api/v1/daemon', () => ok({ ...h.status(), queue: h.queue(), dependencies: h.ctx.deps.snapshot() })),
    route('GET', '/api/v1/bundles', () => ok(listBundles(db()).map((b) => bundleView(h, b)))),
    route('GET', '/api/v1/bundles/:bundle', ({ params }) => {
      const b = knownBundle(h, params.bundle!);
      return ok({ ...bundleView(h, b), versions: listVersions(db(), b.name).map(brief), quarantine: listQuarantine(db(), b.name) });
    }),
    route('GET', '/api/v1/bundles/:bundle/versions', ({ params }) => ok(listVersions(db(), knownBundle(h, params.bundle!).name).map(brief))),
    route('GET', '/api/v1/bundles/:bundle/versions/:version', ({ params }) => {
      const v = getVersion(db(), params.bundle!, params.version!);
      if (!v) throw new NotFoundError(`no version ${params.bundle}@${params.version}`, { data: { bundle: params.bundle, version: params.version } });
      return ok(v);
    }),
    route('GET', '/api/v1/sources', () => ok(cfg().sources.map((s) => ({ name: s.name, url: redactUrl(s.url), branch: s.branch, schedule: s.schedule, lastCutCommit: lastCutCommit(db(), s.name) ?? null })))),
    route('GET', '/api/v1/environments', () => {
      const bundles = listBundles(db());
      return ok(
        cfg().environments.map((e, i) => ({
          name: e.name,
          clusters: e.clusters,
          waves: e.waves,
          promotion: e.promotion,
          bundles: bundles.map((b) => {
            const s = readEnvironmentStates(h.ctx, b.name)[i]!;
            return { bundle: b.name, runs: s.runs ?? null, healthySince: s.healthySinceMs !== undefined ? new Date(s.healthySinceMs).toISOString() : null };
          }),
        })),
      );
    }),
    route('GET', '/api/v1/clusters', async ({ query }) => {
      const rows = await bundleStatus({ ws: h.ctx.ws, live: query.get('live') !== 'false', signal: AbortSignal.timeout(30_000) });
      return ok(cfg().clusters.map((c) => ({ name: c.name, context: c.context, environments: cfg().environments.filter((e) => e.clusters.includes(c.name)).map((e) => e.name), bundles: rows.filter((r) => r.cluster === c.name) })));
    }),
    // Status reads each cluster (inventories, member health) unless ?live=false: then the journal's view only.
    route('GET', '/api/v1/status', async ({ query }) => ok(await bundleStatus({ ws: h.ctx.ws, live: query.get('live') !== 'false', signal: AbortSignal.timeout(30_000) }))),
    route('GET', '/api/v1/releases', ({ query }) => {
      const limit = limitOf(query);
      const bundle = query.get('bundle') ?? undefined;
      const cluster = query.get('cluster') ?? undefined;
      const steps = query.get('steps') === 'true';
      const rs = listReleases(db(), { ...(bundle ? { bundle } : {}), ...(cluster ? { cluster } : {}), limit });
      return ok(steps ? rs.map((r) => releaseWithSteps(db(), r.id)) : rs);
    }),
    route('GET', '/api/v1/releases/:id', ({ params }) => {
      const r = /^\d+$/.test(params.id!) ? releaseWithSteps(db(), Number(params.id)) : undefined;
      if (!r) throw new NotFoundError(`no release ${params.id}`, { data: { id: params.id } });
      return ok(r);
    }),
    route('GET', '/api/v1/quarantine', ({ query }) => ok(listQuarantine(db(), query.get('bundle') ?? undefined))),
    // Drift findings as recorded (open ones by default; ?open=false for history), and self-heal attempts.
    route('GET', '/api/v1/drift', ({ query }) => {
      const filter = { ...(query.get('bundle') ? { bundle: query.get('bundle')! } : {}), ...(query.get('cluster') ? { cluster: query.get('cluster')! } : {}) };
      return ok(query.get('open') === 'false' ? listFindings(db(), { ...filter, limit: limitOf(query) }) : openFindings(db(), filter));
    }),
    route('GET', '/api/v1/drift/heals', ({ query }) => ok(listHeals(db(), { ...(query.get('bundle') ? { bundle: query.get('bundle')! } : {}), ...(query.get('cluster') ? { cluster: query.get('cluster')! } : {}), limit: limitOf(query) }))),
    // Kubernetes Events of a bundle's members and their children, as gathered into the state.
    route('GET', '/api/v1/bundles/:bundle/events', ({ params, query }) =>
      ok(listKubeEvents(db(), { bundle: knownBundle(h, params.bundle!).name, ...(query.get('version') ? { version: query.get('version')! } : {}), ...(query.get('cluster') ? { cluster: query.get('cluster')! } : {}) })),
    ),

    route('POST', '/api/v1/cut', (ctx) =>
      act(h, ctx, async (body) => {
        const only = text(body.source, 'source', false);
        const bundle = text(body.bundle, 'bundle', false);
        const sources = cfg().sources.filter((s) => !only || s.name === only);
        if (only && sources.length === 0) throw new NotFoundError(`no source named ${only}`, { data: { source: only } });
        const results = [];
        for (const source of sources) {
          const r = await h.runExclusive(`source:${source.name}`, () => cutSourceAction(h.ctx, { source, ...(bundle ? { bundle } : {}) }));
          for (const c of r.cut) h.wakeBundle(c.bundle);
          results.push(r);
        }
        return ok({ sources: results.flatMap((r) => r.sources), cut: results.flatMap((r) => r.cut), unchanged: results.flatMap((r) => r.unchanged), warnings: results.flatMap((r) => r.warnings) });
      }),
    ),
    // Wake the loop for one bundle now (the answer does not wait for it): what a resync does, on demand.
    route('POST', '/api/v1/reconcile', (ctx) =>
      act(h, ctx, async (body) => {
        const bundle = knownBundle(h, text(body.bundle, 'bundle')!).name;
        h.wakeBundle(bundle);
        return { status: 202, json: { woken: bundle } };
      }),
    ),
    route('POST', '/api/v1/deploy', (ctx) =>
      act(h, ctx, async (body) => {
        const bundle = text(body.bundle, 'bundle')!;
        const version = text(body.version, 'version')!;
        const environment = text(body.environment, 'environment', false);
        const cluster = text(body.cluster, 'cluster', false);
        if (!environment === !cluster) throw new UsageError('deploy needs exactly one of environment or cluster');
        const r = await h.runExclusive(`bundle:${bundle}`, () => deployAction(h.ctx, { bundle, version, ...(environment ? { environment } : {}), ...(cluster ? { cluster } : {}) }));
        h.wakeBundle(bundle);
        return deployReply(r);
      }),
    ),
    route('POST', '/api/v1/promote', (ctx) =>
      act(h, ctx, async (body) => {
        const bundle = text(body.bundle, 'bundle')!;
        const to = text(body.to, 'to')!;
        const version = text(body.version, 'version', false);
        const r = await h.runExclusive(`bundle:${bundle}`, () => promoteAction(h.ctx, { bundle, to, ...(version ? { version } : {}) }));
        h.wakeBundle(bundle);
        return deployReply(r);
      }),
    ),
    route('POST', '/api/v1/rollback', (ctx) =>
      act(h, ctx, async (body) => {
        const bundle = text(body.bundle, 'bundle')!;
        const environment = text(body.environment, 'environment')!;
        const to = text(body.to, 'to', false);
        const r = await h.runExclusive(`bundle:${bundle}`, () => rollbackAction(h.ctx, { bundle, environment, ...(to ? { to } : {}) }));
        h.wakeBundle(bundle);
        return deployReply(r);
      }),
    ),
  ];
}
