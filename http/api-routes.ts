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
import { readJsonObject } from './read-json.ts';
import { errorReply, type Reply, type RequestContext, type Route } from './router.ts';

const ACTION_BODY_MAX = 64 * 1024;

const ok = (json: unknown): Reply => ({ status: 200, json });
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
const deployReply = (r: DeployResult): Reply => {
  const e = outcomeError(r);
  return { status: e?.httpStatus ?? 200, json: e ? { ...r, error: e.toJSON() } : r };
};

/** Wraps an action: refused while shutting down, run under `key`'s lock, the bundle woken afterwards for follow-ups. */
async function act(
  h: DaemonHandle,
  ctx: RequestContext,
  run: (body: Record<string, unknown>) => Promise<Reply>,
): Promise<Reply> {
  if (h.status().shuttingDown) return errorReply(503, 'E_UNAVAILABLE', 'shutting down: not taking actions');
  if (!h.status().ready) return errorReply(503, 'E_UNAVAILABLE', 'not ready: recovery still running');
  const body = await readJsonObject(ctx.req, ACTION_BODY_MAX);
  if (!body.ok) return body.reply;
  return run(body.value);
}

const route = (method: 'GET' | 'POST', path: string, handler: Route['handler']): Route => ({
  method,
  path,
  auth: 'token',
  handler,
});

export function apiRoutes(h: DaemonHandle): Route[] {
  return [...readRoutes(h), ...actionRoutes(h)];
}

/** What the state knows (and, for status and clusters, what the clusters say), read through the public API. */
function readRoutes(h: DaemonHandle): Route[] {
  const ws = () => h.ctx.ws;
  return [
    route('GET', '/api/v1/daemon', () => ok({ ...h.status(), queue: h.queue(), dependencies: h.ctx.deps.snapshot() })),
    route('GET', '/api/v1/bundles', async () => ok(await drover.bundles({ ws: ws() }))),
    route('GET', '/api/v1/bundles/:bundle', async ({ params }) =>
      ok(await drover.bundle({ ws: ws(), bundle: params.bundle! })),
    ),
    route('GET', '/api/v1/bundles/:bundle/versions', async ({ params }) =>
      ok(await drover.versions({ ws: ws(), bundle: params.bundle!, known: true })),
    ),
    route('GET', '/api/v1/bundles/:bundle/versions/:version', async ({ params }) =>
      ok(await drover.show({ ws: ws(), bundle: params.bundle!, version: params.version! })),
    ),
    route('GET', '/api/v1/sources', async () => ok(await drover.sources({ ws: ws() }))),
    route('GET', '/api/v1/environments', async () => ok(await drover.environments({ ws: ws() }))),
    route('GET', '/api/v1/clusters', async ({ query }) => {
      const rows = await drover.status({
        ws: ws(),
        live: query.get('live') !== 'false',
        signal: AbortSignal.timeout(30_000),
      });
      return ok(clustersView({ config: ws().config, rows }));
    }),
    // Status reads each cluster (inventories, member health) unless ?live=false: then the journal's view only.
    route('GET', '/api/v1/status', async ({ query }) =>
      ok(await drover.status({ ws: ws(), live: query.get('live') !== 'false', signal: AbortSignal.timeout(30_000) })),
    ),
    route('GET', '/api/v1/releases', async ({ query }) => {
      const bundle = query.get('bundle') ?? undefined;
      const cluster = query.get('cluster') ?? undefined;
      return ok(
        await drover.releases({
          ws: ws(),
          ...(bundle ? { bundle } : {}),
          ...(cluster ? { cluster } : {}),
          limit: limitOf(query),
          steps: query.get('steps') === 'true',
        }),
      );
    }),
    route('GET', '/api/v1/releases/:id', async ({ params }) => {
      if (!/^\d+$/.test(params.id!)) throw new NotFoundError(`no release ${params.id}`, { data: { id: params.id } });
      return ok(await drover.release({ ws: ws(), id: Number(params.id) }));
    }),
    route('GET', '/api/v1/quarantine', async ({ query }) =>
      ok(await drover.quarantine({ ws: ws(), ...(query.get('bundle') ? { bundle: query.get('bundle')! } : {}) })),
    ),
    // Drift findings as recorded (open ones by default; ?open=false for history), and self-heal attempts.
    route('GET', '/api/v1/drift', async ({ query }) =>
      ok(
        await drover.driftFindings({
          ws: ws(),
          ...filterOf(query),
          open: query.get('open') !== 'false',
          limit: limitOf(query),
        }),
      ),
    ),
    route('GET', '/api/v1/drift/heals', async ({ query }) =>
      ok(await drover.driftHeals({ ws: ws(), ...filterOf(query), limit: limitOf(query) })),
    ),
    route('GET', '/api/v1/bundles/:bundle/events', async ({ params, query }) =>
      ok(await bundleEvents({ ws: ws(), bundle: params.bundle!, query })),
    ),
  ];
}

/** Actions, each through `act`: the loop's own actions, so under the bundle's lock, answering when done. */
function actionRoutes(h: DaemonHandle): Route[] {
  const ws = () => h.ctx.ws;
  return [
    route('POST', '/api/v1/cut', (ctx) =>
      act(h, ctx, async (body) => {
        const source = text(body.source, 'source', false);
        const bundle = text(body.bundle, 'bundle', false);
        return ok(await h.actions.cut({ ...(source ? { source } : {}), ...(bundle ? { bundle } : {}) }));
      }),
    ),
    route('POST', '/api/v1/reconcile', (ctx) =>
      act(h, ctx, async (body) => {
        const bundle = (await drover.bundle({ ws: ws(), bundle: text(body.bundle, 'bundle')! })).name;
        h.wakeBundle(bundle);
        return { status: 202, json: { woken: bundle } };
      }),
    ),
    route('POST', '/api/v1/plan', (ctx) =>
      act(h, ctx, async (body) => {
        const reason = text(body.action, 'action')!;
        if (reason !== 'deploy' && reason !== 'promote' && reason !== 'rollback')
          throw new UsageError('action must be deploy, promote or rollback');
        return ok(await h.actions.plan(planRequest({ reason, body })));
      }),
    ),
    route('POST', '/api/v1/deploy', (ctx) =>
      act(h, ctx, async (body) => {
        const environment = text(body.environment, 'environment', false);
        const cluster = text(body.cluster, 'cluster', false);
        if (!environment === !cluster) throw new UsageError('deploy needs exactly one of environment or cluster');
        return deployReply(
          await h.actions.deploy({
            bundle: text(body.bundle, 'bundle')!,
            version: text(body.version, 'version')!,
            ...(environment ? { environment } : {}),
            ...(cluster ? { cluster } : {}),
            plan: text(body.plan, 'plan', false),
          }),
        );
      }),
    ),
    route('POST', '/api/v1/promote', (ctx) =>
      act(h, ctx, async (body) => {
        const version = text(body.version, 'version', false);
        return deployReply(
          await h.actions.promote({
            bundle: text(body.bundle, 'bundle')!,
            to: text(body.to, 'to')!,
            ...(version ? { version } : {}),
            plan: text(body.plan, 'plan', false),
          }),
        );
      }),
    ),
    route('POST', '/api/v1/rollback', (ctx) =>
      act(h, ctx, async (body) => {
        const to = text(body.to, 'to', false);
        return deployReply(
          await h.actions.rollback({
            bundle: text(body.bundle, 'bundle')!,
            environment: text(body.environment, 'environment')!,
            ...(to ? { to } : {}),
            plan: text(body.plan, 'plan', false),
          }),
        );
      }),
    ),
    route('POST', '/api/v1/heal', (ctx) =>
      act(h, ctx, async (body) => {
        const r = await h.actions.heal({
          bundle: text(body.bundle, 'bundle')!,
          cluster: text(body.cluster, 'cluster')!,
        });
        return { status: r.heals.every((x) => x.outcome !== 'failed') ? 200 : 409, json: r };
      }),
    ),
  ];
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
