/**
 * The daemon behind `drover serve`: the GitOps loop as a long-running
 * process. It opens the workspace, starts the interface it is given (the
 * HTTP listener with probes, metrics, webhooks and the API: http/serve.ts),
 * recovers every release a previous process left unfinished
 * (recover-at-start.ts), and only then takes work: sources are woken by
 * their schedule, by a file watch (local repositories) or by a webhook, and
 * cut; every bundle with a new version is deployed to the first environment
 * and promoted along the pipeline by each environment's policy
 * (reconcile-bundle.ts). Work goes through a queue keyed by source and
 * bundle (task-key.ts, run-task.ts) with per-key backoff, so one bundle's
 * failure never stalls another. What wakes work is in triggers.ts, what
 * says the daemon and its dependencies are healthy in probes.ts, the
 * actions an interface asks for in daemon-actions.ts, background tasks
 * (drift, the channel-tag watch) in background.ts, and how it stops, within
 * the grace period, in shutdown.ts.
 *
 * @example
 *   const ac = new AbortController();
 *   process.once('SIGTERM', () => ac.abort());
 *   await runDaemon({ configPath: 'drover.yaml', env: process.env, stop: ac.signal, write: (l) => process.stderr.write(l), startInterface });
 */
import { createPlanMemory } from './plan-memory.ts';
import { createFailingTasks } from './failing-tasks.ts';
import { secretFromEnv } from '../config/assemble.ts';
import { signingKeySecrets } from '../config/signing-keys.ts';
import { UnavailableError } from '../errors/errors.ts';
import { createWorkQueue, type WorkQueue } from '../schedule/work-queue.ts';
import { openWorkspace, type Workspace } from '../workspace/workspace.ts';
import { type BackgroundTask, driftTask, startBackgroundTasks } from './background.ts';
import { createChangeFeed } from './changes.ts';
import { channelWatchTask } from './channel-watch.ts';
import { createDaemonActions } from './daemon-actions.ts';
import type { DaemonHandle, DaemonStatus, RunningInterface } from './daemon-handle.ts';
import { createDependencyTracker } from './dependencies.ts';
import { createInFlight, type InFlight } from './in-flight.ts';
import { createLogger, type Logger, type LogLevel } from './log.ts';
import { surviveRejections } from './survive-rejections.ts';
import { WEBHOOK_PROVIDERS, webhookSecretsFromEnv } from './webhook-secrets.ts';
import type { LoopContext } from './loop-context.ts';
import { startingStatus, startProbes } from './probes.ts';
import { recoverAtStart } from './recover-at-start.ts';
import { reportTaskError, runTask } from './run-task.ts';
import { createServeMetrics } from './serve-metrics.ts';
import { type ServeSummary, shutDown, startGracePeriod } from './shutdown.ts';
import { createWakes, startTriggers, type Wakes, wakeRecovered } from './triggers.ts';

export interface ServeOptions {
  configPath?: string;
  /** Overrides `serve.listen` (host:port; port 0 picks a free one, logged as `listening`). */
  listen?: string;
  /**
   * Starts the daemon's interface (the HTTP server) on `listen` once the
   * loop exists, before recovery runs; it is closed last. Injected, so the
   * loop knows nothing of HTTP (http/serve.ts passes the HTTP server).
   */
  startInterface: (args: { handle: DaemonHandle; listen: string; log: Logger }) => Promise<RunningInterface>;
  env?: NodeJS.ProcessEnv;
  /** Aborting it starts a graceful shutdown. */
  stop: AbortSignal;
  /** Aborting it (a second signal) cuts the grace period short: in-flight releases are aborted and restored now. */
  hurry?: AbortSignal;
  /** Where log lines go (one JSON object per line). */
  write: (line: string) => void;
  logLevel?: LogLevel;
  /** Tasks (sources and bundles) run side by side. */
  concurrency?: number;
  backgroundTasks?: readonly BackgroundTask[];
  /** Every bundle is reconciled at least this often, whatever woke it. */
  resyncSeconds?: number;
}

/** The tasks `drover serve` runs beside the loop: drift detection, the channel-tag watch. */
export const defaultBackgroundTasks: readonly BackgroundTask[] = [driftTask, channelWatchTask];

export async function runDaemon({
  configPath = 'drover.yaml',
  listen,
  startInterface,
  env = {},
  stop,
  hurry,
  write,
  logLevel = 'info',
  concurrency = 8,
  backgroundTasks = defaultBackgroundTasks,
  resyncSeconds = 60,
}: ServeOptions): Promise<ServeSummary> {
  const startedAt = new Date().toISOString();
  const ws = await openWorkspace({ configPath, env, signal: stop });
  const log = createLogger({ write, level: logLevel, secrets: secretsOf(ws.config, env) });
  const survive = surviveRejections(log);
  if (!ws.config.signing)
    log.warn(
      'versions are cut unsigned: drover.yaml names no signing key (signing.keyFile or signing.keyEnv; drover keys generate)',
    );
  warnUnauthenticatedAgents(ws.config, log);
  try {
    const metrics = createServeMetrics();
    const work = new AbortController();
    const deps = createDependencyTracker({
      metrics,
      log,
      registry: ws.config.registry,
      onRecovered: (kind, name) => wakeRecovered({ wakes, sources: ws.config.sources, kind, name }),
    });
    const changes = createChangeFeed();
    const ctx: LoopContext = {
      ws,
      log,
      metrics,
      deps,
      signal: work.signal,
      channels: new Map(),
      changes,
      plans: createPlanMemory(),
      failing: createFailingTasks(),
    };
    const status = startingStatus(startedAt);
    const inFlight = createInFlight();
    // The queue and the tracker reach `wakes`, made just below, only once work runs (the queue starts paused).
    const queue = createWorkQueue({
      concurrency,
      paused: true,
      run: async (key) => {
        const r = await inFlight.exclusive(key, () => runTask({ ctx, key, wakeBundle: wakes.wakeBundle }));
        ctx.failing?.succeeded(key);
        return r;
      },
      onError: (e) => reportTaskError({ ctx, ...e }),
    });
    const wakes = createWakes({ queue, ws, metrics });
    const grace = startGracePeriod({ stop, hurry, ctx, work, queue });

    const handle = createHandle({ ctx, status, queue, inFlight, wakes, env });
    const http = await openInterface({ handle, listen: listen ?? ws.config.serve.listen, startInterface });

    // Recovery first; then triggers, probes and background tasks start, and the queue runs until `stop`.
    const taking = new AbortController();
    let stopTaking = async () => taking.abort();
    if (!stop.aborted) {
      const start = await recoverAtStart({ ctx });
      status.recovery = start.recovery;
      if (!stop.aborted) {
        stopTaking = await startTaking({ ctx, wakes, backgroundTasks, resyncSeconds, taking });
        status.ready = true;
        takeWork({ ctx, queue, wakes, recovered: start.recovered, concurrency });
        await new Promise<void>((resolve) =>
          stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true }),
        );
      }
    }
    return await shutDown({ ctx, status, queue, inFlight, work, grace, stopTaking, http, startedAt });
  } finally {
    survive.stop();
  }
}

/** Agent protocol 2 without keys: what is not authenticated, said once at start-up (docs/agent-protocol.md). */
function warnUnauthenticatedAgents(config: Workspace['config'], log: Logger): void {
  const agents = config.clusters.filter((c) => c.mode === 'agent');
  if (agents.length === 0) return;
  if (!config.signing)
    log.warn(
      'the indexes agents follow are written unsigned: drover.yaml names no signing key, so agents given --trusted-key refuse them',
    );
  const open = agents.filter((c) => !c.agentKey).map((c) => c.name);
  if (open.length > 0)
    log.warn(
      `statuses of agent cluster(s) ${open.join(', ')} are not authenticated: no agentKey in drover.yaml (drover keys generate --agent --cluster C)`,
      { clusters: open },
    );
}

/** Secret values the log must never show: API token, webhook secret, Git and registry passwords and tokens, the signing key. */
function secretsOf(config: Workspace['config'], env: NodeJS.ProcessEnv): string[] {
  const names = [
    config.serve.tokenEnv,
    ...Object.values(config.serve.webhook.secretEnvs),
    config.registryAuth?.passwordEnv,
    ...config.sources.flatMap((s) => [s.auth?.passwordEnv, s.auth?.tokenEnv]),
    ...config.environments.map((e) => e.ageKey?.env),
  ];
  const values = names.map((n) => secretFromEnv(n, env)).filter((v): v is string => Boolean(v));
  return [...values, ...signingKeySecrets({ config, env })];
}

/**
 * What the interface sees of the daemon (daemon-handle.ts). Its actions and
 * `runExclusive` take the loop's locks as in-flight work, and are refused
 * once shutdown has started.
 */
function createHandle({
  ctx,
  status,
  queue,
  inFlight,
  wakes,
  env,
}: {
  ctx: LoopContext;
  status: DaemonStatus;
  queue: WorkQueue;
  inFlight: InFlight;
  wakes: Wakes;
  env: NodeJS.ProcessEnv;
}): DaemonHandle {
  const { serve } = ctx.ws.config;
  const runExclusive: DaemonHandle['runExclusive'] = (key, fn) =>
    status.shuttingDown
      ? Promise.reject(new UnavailableError('shutting down: not taking work'))
      : inFlight.exclusive(key, fn);
  return {
    actions: createDaemonActions({ ctx, runExclusive, wakeBundle: wakes.wakeBundle }),
    ctx,
    status: () => ({ ...status, failing: ctx.failing?.list() ?? [] }),
    queue: () => ({ running: queue.running, queued: queue.queued }),
    wakeSource: wakes.wakeSource,
    wakeBundle: wakes.wakeBundle,
    runExclusive,
    webhook: {
      ...webhookSecretsFromEnv({ envs: serve.webhook.secretEnvs, env }),
      maxBodyBytes: serve.webhook.maxBodyBytes,
    },
    apiToken: secretFromEnv(serve.tokenEnv, env),
  };
}

/** Starts the interface (the workspace is closed if it does not start) and logs where it listens. */
async function openInterface({
  handle,
  listen,
  startInterface,
}: {
  handle: DaemonHandle;
  listen: string;
  startInterface: ServeOptions['startInterface'];
}): Promise<RunningInterface> {
  const { ws, log } = handle.ctx;
  let http: RunningInterface;
  try {
    http = await startInterface({ handle, listen, log });
  } catch (err) {
    ws.close();
    throw err;
  }
  log.info('listening', {
    address: `${http.address.host}:${http.address.port}`,
    host: http.address.host,
    port: http.address.port,
    config: ws.config.file,
    sources: ws.config.sources.map((s) => s.name),
    environments: ws.config.environments.map((e) => e.name),
    api: handle.apiToken ? 'token' : 'closed (no token configured)',
    webhooks: Object.fromEntries(
      WEBHOOK_PROVIDERS.map((p) => [p, handle.webhook.secrets[p] ? 'verified' : 'refused (no secret of its own)']),
    ),
  });
  for (const group of handle.webhook.shared)
    log.error(
      `webhooks ${group.join(', ')} share one secret and are refused: give each provider its own (GitLab sends its token in clear)`,
      { settings: group.map((p) => `serve.webhook.${p}.${p === 'gitlab' ? 'tokenEnv' : 'secretEnv'}`) },
    );
  return http;
}

/**
 * Starts whatever gives the loop work: the triggers, the probes, the
 * background tasks (all ended by aborting `taking`). Returns what stops
 * them at shutdown.
 */
async function startTaking({
  ctx,
  wakes,
  backgroundTasks,
  resyncSeconds,
  taking,
}: {
  ctx: LoopContext;
  wakes: Wakes;
  backgroundTasks: readonly BackgroundTask[];
  resyncSeconds: number;
  taking: AbortController;
}): Promise<() => Promise<void>> {
  const { ws, log, metrics, deps, changes } = ctx;
  const triggers = startTriggers({ ws, log, wakes, resyncSeconds, signal: taking.signal });
  const probes = startProbes({ ws, deps, log });
  const background = await startBackgroundTasks({
    tasks: backgroundTasks,
    ws,
    log,
    metrics,
    wakeBundle: wakes.wakeBundle,
    changes,
    signal: taking.signal,
  });
  return async () => {
    taking.abort();
    await Promise.allSettled([triggers.stop(), probes.stop()]);
    await background.stop();
  };
}

/** The queue runs what was queued while recovering, every source and every bundle is woken once: the daemon is ready. */
function takeWork({
  ctx,
  queue,
  wakes,
  recovered,
  concurrency,
}: {
  ctx: LoopContext;
  queue: WorkQueue;
  wakes: Wakes;
  recovered: number;
  concurrency: number;
}): void {
  queue.resume();
  for (const sc of ctx.ws.config.sources) wakes.wakeSource(sc.name, 'startup');
  wakes.wakeAllBundles();
  ctx.log.info('ready', { recovered, concurrency });
}
