/**
 * The daemon behind `drover serve`: the GitOps loop as a long-running
 * process. It opens the workspace, starts the interface it is given (the HTTP
 * listener with probes, metrics, webhooks and the API: http/serve.ts), recovers every release a previous process left unfinished, and only then
 * takes work: sources are woken by their schedule, by a file watch (local
 * repositories) or by a webhook, and cut; every bundle with a new version is
 * deployed to the first environment and promoted along the pipeline by each
 * environment's policy (reconcile-bundle.ts). Work goes through a queue keyed
 * by source and bundle with per-key backoff, so one bundle's failure never
 * stalls another. Background tasks (drift) plug in through background.ts.
 *
 * Shutdown (the `stop` signal, i.e. SIGTERM or SIGINT): readiness goes 503
 * and nothing new starts; in-flight work gets the grace period
 * (`serve.graceSeconds`) to finish. A reserve at its end (half of it, at most
 * 30 s) is kept for restoring: releases still running when the reserve
 * starts are aborted, and recovery rolls their clusters back to the previous
 * whole version before the function returns. A hard kill is safe as well:
 * the journal and inventories let the next start do the same.
 *
 * @example
 *   const ac = new AbortController();
 *   process.once('SIGTERM', () => ac.abort());
 *   await runDaemon({ configPath: 'drover.yaml', env: process.env, stop: ac.signal, write: (l) => process.stderr.write(l), startInterface });
 */
import cron from 'node-cron';
import { secretFromEnv } from '../config/config.ts';
import { toDroverError, UnavailableError } from '../errors/errors.ts';
import { checkSchedule, watchSource } from '../source/index.ts';
import { unfinishedReleases } from '../state/releases.ts';
import { listBundles } from '../state/versions.ts';
import { openConfiguredSource } from '../workspace/source.ts';
import { openWorkspace } from '../workspace/workspace.ts';
import { type BackgroundTask, driftTask, type RunningTask } from './background.ts';
import { channelWatchTask } from './channel-watch.ts';
import { NotFoundError } from '../errors/errors.ts';
import { cutSourceAction, deployAction, healAction, promoteAction, rollbackAction } from './actions.ts';
import type { DaemonActions, DaemonHandle, DaemonStatus, RunningInterface } from './daemon-handle.ts';
import { createDependencyTracker } from './dependencies.ts';
import { createKeyedMutex } from './keyed-mutex.ts';
import { createLogger, eventLogger, type Logger, type LogLevel } from './log.ts';
import type { LoopContext } from './loop-context.ts';
import { reconcileBundle } from './reconcile-bundle.ts';
import { recoverAll } from '../verbs/recover.ts';
import { createServeMetrics } from './serve-metrics.ts';
import { createChangeFeed } from './changes.ts';
import { createWorkQueue } from '../schedule/work-queue.ts';

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

export interface ServeSummary {
  address: { host: string; port: number };
  startedAt: string;
  stoppedAt: string;
  shutdown: {
    /** True when all in-flight work finished within the grace period, nothing aborted. */
    drained: boolean;
    /** Task keys still running when the grace period ran out, aborted. */
    aborted: string[];
    /** Releases restored after the abort. */
    recovered: { bundle: string; cluster: string; version: string; outcome: string }[];
  };
}

/** The tasks `drover serve` runs beside the loop: drift detection, the channel-tag watch. */
export const defaultBackgroundTasks: readonly BackgroundTask[] = [driftTask, channelWatchTask];

/** How often the registry is probed (GET /v2/) between operations, when nothing else asked it. */
const REGISTRY_PROBE_MS = 10_000;

/** Time kept at the very end of the grace period to close the listener and the state, and exit. */
const EXIT_MARGIN_MS = 1_500;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, Math.max(0, ms));
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/** Secret values the log must never show: API token, webhook secret, Git and registry passwords and tokens. */
function secretsOf(config: Awaited<ReturnType<typeof openWorkspace>>['config'], env: NodeJS.ProcessEnv): string[] {
  const names = [
    config.serve.tokenEnv,
    config.serve.webhook.secretEnv,
    config.registryAuth?.passwordEnv,
    ...config.sources.flatMap((s) => [s.auth?.passwordEnv, s.auth?.tokenEnv]),
    ...config.environments.map((e) => e.ageKey?.env),
  ];
  return names.map((n) => secretFromEnv(n, env)).filter((v): v is string => Boolean(v));
}

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
  const config = ws.config;
  const log: Logger = createLogger({ write, level: logLevel, secrets: secretsOf(config, env) });
  const metrics = createServeMetrics();
  const work = new AbortController();
  const deps = createDependencyTracker({
    metrics,
    log,
    registry: config.registry,
    // Whatever waited on a part that answers again is woken now, not at the end of its backoff.
    onRecovered: (kind, name) => {
      if (kind === 'git') wakeSource(name, 'recovered');
      if (kind === 'registry') config.sources.forEach((s) => wakeSource(s.name, 'recovered'));
      if (kind !== 'git') wakeAllBundles();
    },
  });
  const changes = createChangeFeed();
  const ctx: LoopContext = { ws, log, metrics, deps, signal: work.signal, channels: new Map(), changes };
  const status: DaemonStatus = { ready: false, shuttingDown: false, recovery: 'pending', stateOpen: true, startedAt };
  const locks = createKeyedMutex();
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.then(
      () => inFlight.delete(p),
      () => inFlight.delete(p),
    );
    return p;
  };
  const exclusive = <T>(key: string, fn: () => Promise<T>) => track(locks.run(key, fn));

  // The grace period starts when `stop` fires, whatever the daemon is doing (even recovering at start):
  // in-flight work is aborted when only the reserve is left (or at once on `hurry`), so it can be restored in time.
  const graceMs = config.serve.graceSeconds * 1000;
  const reserveMs = Math.min(graceMs / 2, 30_000);
  let stopAt = 0;
  let graceTimer: NodeJS.Timeout | undefined;
  const abortedKeys: string[] = [];
  const abortWork = (why: string) => {
    if (work.signal.aborted) return;
    abortedKeys.push(...queue.running);
    log.warn(`${why}: aborting in-flight work; its releases are restored to the previous version`, {
      running: abortedKeys,
      secondsLeft: Math.round((stopAt + graceMs - Date.now()) / 1000),
    });
    work.abort(new UnavailableError('drover serve is shutting down'));
  };
  const onStop = () => {
    stopAt = Date.now();
    graceTimer = setTimeout(() => abortWork('grace period running out'), graceMs - reserveMs);
    graceTimer.unref();
    if (hurry?.aborted) abortWork('asked to stop now');
    else hurry?.addEventListener('abort', () => abortWork('asked to stop now'), { once: true });
  };
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });

  const queue = createWorkQueue({
    concurrency,
    paused: true,
    run: (key) => exclusive(key, () => runTask(key)),
    onError: ({ key, error, attempt, retryInMs }) => {
      metrics.taskErrors.inc({ key });
      deps.observe(error, key.startsWith('source:') ? { source: key.slice('source:'.length) } : {});
      log[work.signal.aborted ? 'debug' : 'error'](
        `${key} failed (attempt ${attempt}, retry in ${Math.round(retryInMs / 1000)}s): ${toDroverError(error).message}`,
        { key, attempt, retryInMs, error: toDroverError(error) },
      );
    },
  });
  const wakeSource: DaemonHandle['wakeSource'] = (name, trigger) => {
    metrics.sourceWakes.inc({ source: name, trigger });
    queue.add(`source:${name}`);
  };
  const wakeBundle = (name: string) => queue.add(`bundle:${name}`);
  const wakeAllBundles = () => listBundles(ws.db).forEach((b) => wakeBundle(b.name));

  async function runTask(key: string): Promise<{ requeueAfterMs?: number } | void> {
    const [kind, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    const t0 = performance.now();
    try {
      if (kind === 'source') {
        const source = config.sources.find((s) => s.name === name);
        if (!source) return;
        const r = await cutSourceAction(ctx, { source });
        deps.up('git', name);
        if (r.cut.length > 0) deps.up('registry');
        for (const c of r.cut) wakeBundle(c.bundle);
        return;
      }
      const r = await reconcileBundle(ctx, { bundle: name });
      for (const h of r.held)
        log.debug(`${name} held in ${h.environment}: ${h.reason}`, { bundle: name, environment: h.environment });
      return r.wakeAtMs !== undefined ? { requeueAfterMs: Math.max(0, r.wakeAtMs - Date.now()) } : undefined;
    } finally {
      metrics.reconcileDuration.observe(
        { task: kind === 'source' ? 'cut' : 'bundle' },
        (performance.now() - t0) / 1000,
      );
    }
  }

  const runExclusive: DaemonHandle['runExclusive'] = (key, fn) => {
    if (status.shuttingDown) return Promise.reject(new UnavailableError('shutting down: not taking work'));
    return exclusive(key, fn);
  };
  const actions: DaemonActions = {
    async cut({ source: only, bundle }) {
      const sources = config.sources.filter((s) => !only || s.name === only);
      if (only && sources.length === 0) throw new NotFoundError(`no source named ${only}`, { data: { source: only } });
      const results = [];
      for (const source of sources) {
        const r = await runExclusive(`source:${source.name}`, () =>
          cutSourceAction(ctx, { source, ...(bundle ? { bundle } : {}) }),
        );
        for (const c of r.cut) wakeBundle(c.bundle);
        results.push(r);
      }
      return {
        sources: results.flatMap((r) => r.sources),
        cut: results.flatMap((r) => r.cut),
        unchanged: results.flatMap((r) => r.unchanged),
        warnings: results.flatMap((r) => r.warnings),
      };
    },
    // Each action holds its bundle's lock, and wakes the bundle after, for what follows from it (a promotion now due).
    async deploy(args) {
      const r = await runExclusive(`bundle:${args.bundle}`, () => deployAction(ctx, args));
      wakeBundle(args.bundle);
      return r;
    },
    async promote(args) {
      const r = await runExclusive(`bundle:${args.bundle}`, () => promoteAction(ctx, args));
      wakeBundle(args.bundle);
      return r;
    },
    async rollback(args) {
      const r = await runExclusive(`bundle:${args.bundle}`, () => rollbackAction(ctx, args));
      wakeBundle(args.bundle);
      return r;
    },
    async heal(args) {
      const r = await runExclusive(`bundle:${args.bundle}`, () => healAction(ctx, args));
      wakeBundle(args.bundle);
      return r;
    },
  };
  const handle: DaemonHandle = {
    actions,
    ctx,
    status: () => ({ ...status }),
    queue: () => ({ running: queue.running, queued: queue.queued }),
    wakeSource,
    wakeBundle,
    runExclusive,
    webhook: {
      secret: secretFromEnv(config.serve.webhook.secretEnv, env),
      maxBodyBytes: config.serve.webhook.maxBodyBytes,
    },
    apiToken: secretFromEnv(config.serve.tokenEnv, env),
  };

  let http: RunningInterface;
  try {
    http = await startInterface({ handle, listen: listen ?? config.serve.listen, log });
  } catch (err) {
    ws.close();
    throw err;
  }
  log.info('listening', {
    address: `${http.address.host}:${http.address.port}`,
    host: http.address.host,
    port: http.address.port,
    config: config.file,
    sources: config.sources.map((s) => s.name),
    environments: config.environments.map((e) => e.name),
    api: handle.apiToken ? 'token' : 'closed (no token configured)',
    webhooks: handle.webhook.secret ? 'verified' : 'refused (no secret configured)',
  });

  // Triggers: schedules and file watches wake sources; a resync wakes every bundle.
  const triggers = new AbortController();
  const stops: (() => Promise<void> | void)[] = [];
  const running: { name: string; task: RunningTask }[] = [];
  let recoveredAtStart = 0;

  if (!stop.aborted) {
    const rec = await recoverAll({ ws, onEvent: eventLogger(log, { phase: 'recover' }), signal: work.signal });
    for (const r of rec.recovered) {
      if (r.outcome === 'rolled-back') metrics.rollbacks.inc({ kind: 'recovery' });
      log.warn(
        `recovered ${r.release.bundle}@${r.release.version} on ${r.release.cluster}: ${r.outcome}: ${r.message}`,
        { bundle: r.release.bundle, cluster: r.release.cluster, outcome: r.outcome },
      );
    }
    for (const f of rec.failed)
      log.error(`recovery of ${f.bundle} on ${f.cluster} failed: ${f.error.message}; its next deploy retries it`, {
        bundle: f.bundle,
        cluster: f.cluster,
        error: f.error,
      });
    recoveredAtStart = rec.recovered.length;
    status.recovery = rec.failed.length ? 'failed' : 'done';
  }

  if (!stop.aborted) {
    for (const sc of config.sources) {
      const task = cron.schedule(checkSchedule(sc.schedule), () => wakeSource(sc.name, 'schedule'), {
        noOverlap: true,
        name: `drover-serve:${sc.name}`,
        logger: { info() {}, warn() {}, error() {}, debug() {} },
      });
      stops.push(() => task.destroy());
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(sc.url)) {
        // A local repository: its refs are watched, and a commit wakes the source within the debounce.
        void openConfiguredSource({ ws, sc })
          .then((source) =>
            watchSource({
              source,
              watchFiles: true,
              onChange: () => wakeSource(sc.name, 'fs'),
              onError: (e) => log.warn(`watching ${sc.name}: ${e.message}`, { source: sc.name }),
              signal: triggers.signal,
            }),
          )
          .then((w) => stops.push(() => w.closed))
          .catch((err: unknown) =>
            log.error(`cannot watch ${sc.name}: ${toDroverError(err).message}`, { source: sc.name }),
          );
      }
    }
    const resync = setInterval(wakeAllBundles, resyncSeconds * 1000);
    resync.unref();
    stops.push(() => clearInterval(resync));
    // The registry is asked on an interval, and so is every cluster known to be down, so their state is known between operations.
    // A registry that answered the loop or the channel watch since the last probe, and failed none since, is not asked again.
    const probe = () => {
      const { answeredAtMs = 0, unansweredAtMs = 0 } = ws.stores.stats;
      if (answeredAtMs > unansweredAtMs && Date.now() - answeredAtMs < REGISTRY_PROBE_MS) deps.up('registry');
      else
        void ws.stores.ping(AbortSignal.timeout(5_000)).then(
          () => deps.up('registry'),
          (err: unknown) => deps.down('registry', undefined, toDroverError(err).message),
        );
      for (const d of deps.snapshot().filter((x) => x.kind === 'cluster' && !x.up)) {
        void ws
          .clusters([d.name])
          .then((cs) =>
            cs.get(d.name)!.client.request({ method: 'GET', path: '/version', signal: AbortSignal.timeout(5_000) }),
          )
          .then(
            () => deps.up('cluster', d.name),
            () => {},
          );
      }
    };
    probe();
    const probing = setInterval(probe, REGISTRY_PROBE_MS);
    probing.unref();
    stops.push(() => clearInterval(probing));

    for (const t of backgroundTasks) {
      try {
        running.push({
          name: t.name,
          task: await t.start({
            ws,
            log: log.with({ task: t.name }),
            metrics,
            reportDriftFindings: (counts) =>
              Object.entries(counts).forEach(([bundle, n]) => metrics.driftFindings.set({ bundle }, n)),
            wakeBundle,
            changes,
            signal: triggers.signal,
          }),
        });
        log.info(`background task ${t.name} started`, { task: t.name });
      } catch (err) {
        log.error(`background task ${t.name} did not start: ${toDroverError(err).message}`, {
          task: t.name,
          error: toDroverError(err),
        });
      }
    }

    status.ready = true;
    queue.resume();
    for (const sc of config.sources) wakeSource(sc.name, 'startup');
    wakeAllBundles();
    log.info('ready', { recovered: recoveredAtStart, concurrency });
    await new Promise<void>((resolve) =>
      stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true }),
    );
  }

  // Shutdown: stop taking work, let in-flight work finish within the grace period, restore what could not.
  status.shuttingDown = true;
  status.ready = false;
  const hardDeadline = stopAt + graceMs;
  log.info('shutting down: not taking new work', { graceSeconds: config.serve.graceSeconds, running: queue.running });
  triggers.abort();
  await Promise.allSettled(stops.map((s) => s()));
  await Promise.allSettled(running.map(async (r) => r.task.stop()));

  const drained = (async () => {
    await queue.stop();
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  })();
  const aborted = new Promise<void>((resolve) =>
    work.signal.aborted ? resolve() : work.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  await Promise.race([drained, aborted]);
  const done = !work.signal.aborted;
  // Aborted work settles quickly (the engine stops at its next step); never wait long for it.
  if (!done) await Promise.race([drained, sleep(Math.min(5_000, (hardDeadline - Date.now()) / 4))]);
  clearTimeout(graceTimer);
  work.abort(new UnavailableError('drover serve is shutting down'));

  const recovered: ServeSummary['shutdown']['recovered'] = [];
  if (unfinishedReleases(ws.db).length > 0) {
    const rec = await recoverAll({
      ws,
      onEvent: eventLogger(log, { phase: 'recover' }),
      signal: AbortSignal.timeout(Math.max(1_000, hardDeadline - Date.now() - EXIT_MARGIN_MS)),
    });
    for (const r of rec.recovered) {
      if (r.outcome === 'rolled-back') metrics.rollbacks.inc({ kind: 'recovery' });
      recovered.push({
        bundle: r.release.bundle,
        cluster: r.release.cluster,
        version: r.release.version,
        outcome: r.outcome,
      });
      log.warn(
        `restored ${r.release.bundle} on ${r.release.cluster} after aborting ${r.release.version}: ${r.outcome}: ${r.message}`,
        { bundle: r.release.bundle, cluster: r.release.cluster, outcome: r.outcome },
      );
    }
    for (const f of rec.failed)
      log.error(
        `could not restore ${f.bundle} on ${f.cluster} before exiting: ${f.error.message}; the next start recovers it`,
        { bundle: f.bundle, cluster: f.cluster, error: f.error },
      );
  }
  await http.close();
  ws.close();
  status.stateOpen = false;
  const stoppedAt = new Date().toISOString();
  log.info('stopped', {
    drained: done,
    aborted: abortedKeys,
    recovered: recovered.length,
    seconds: Math.round((Date.now() - stopAt) / 100) / 10,
  });
  return { address: http.address, startedAt, stoppedAt, shutdown: { drained: done, aborted: abortedKeys, recovered } };
}
