/**
 * How the daemon stops. The grace period (`serve.graceSeconds`) starts when
 * the `stop` signal fires (SIGTERM or SIGINT), whatever the daemon is doing,
 * even recovering at start. Readiness goes 503 and nothing new starts:
 * triggers, probes and background tasks stop, the queue takes no more keys,
 * and in-flight work is given the grace period to finish. A reserve at its
 * end (half of it, at most 30 s) is kept for restoring: work still running
 * when the reserve starts (or at once, on `hurry`) is aborted, and its
 * releases are recovered to the previous whole version before the daemon
 * closes its interface and state and returns the summary. A hard kill is
 * safe as well: the journal and inventories let the next start do the same.
 *
 * @example
 *   const grace = startGracePeriod({ stop, hurry, ctx, work, queue });
 *   // ... the daemon runs until `stop` fires ...
 *   return shutDown({ ctx, status, queue, inFlight, work, grace, stopTaking, http, startedAt });
 */
import { UnavailableError } from '../errors/errors.ts';
import type { WorkQueue } from '../schedule/work-queue.ts';
import { unfinishedReleases } from '../state/releases.ts';
import { recoverAll } from '../verbs/recover.ts';
import type { DaemonStatus, RunningInterface } from './daemon-handle.ts';
import type { InFlight } from './in-flight.ts';
import { eventLogger } from './log.ts';
import type { LoopContext } from './loop-context.ts';

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

export interface GracePeriod {
  /** When `stop` fired (epoch ms). */
  readonly stoppedAtMs: number;
  /** When the grace period ends (epoch ms): the final recovery is done by then. */
  readonly deadlineMs: number;
  /** Task keys that were running when in-flight work was aborted. */
  readonly aborted: string[];
  /** Clears the timer that would abort in-flight work. */
  clear(): void;
}

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

/**
 * Arms the grace period: once `stop` fires, in-flight work is aborted (its
 * keys kept in `aborted`) when only the reserve is left, or at once on
 * `hurry`, so it can be restored in time.
 */
export function startGracePeriod({
  stop,
  hurry,
  ctx,
  work,
  queue,
}: {
  stop: AbortSignal;
  hurry: AbortSignal | undefined;
  ctx: LoopContext;
  work: AbortController;
  queue: Pick<WorkQueue, 'running'>;
}): GracePeriod {
  const graceMs = ctx.ws.config.serve.graceSeconds * 1000;
  const reserveMs = Math.min(graceMs / 2, 30_000);
  let stopAt = 0;
  let graceTimer: NodeJS.Timeout | undefined;
  const aborted: string[] = [];
  const abortWork = (why: string) => {
    if (work.signal.aborted) return;
    aborted.push(...queue.running);
    ctx.log.warn(`${why}: aborting in-flight work; its releases are restored to the previous version`, {
      running: aborted,
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
  return {
    get stoppedAtMs() {
      return stopAt;
    },
    get deadlineMs() {
      return stopAt + graceMs;
    },
    aborted,
    clear: () => clearTimeout(graceTimer),
  };
}

/**
 * Stops the daemon once `stop` has fired: takes no new work, drains or
 * aborts what is in flight, restores what was aborted, closes the interface
 * and the state, and says what happened.
 */
export async function shutDown({
  ctx,
  status,
  queue,
  inFlight,
  work,
  grace,
  stopTaking,
  http,
  startedAt,
}: {
  ctx: LoopContext;
  status: DaemonStatus;
  queue: WorkQueue;
  inFlight: InFlight;
  work: AbortController;
  grace: GracePeriod;
  /** Stops whatever starts work: triggers, probes, background tasks. */
  stopTaking: () => Promise<void>;
  http: RunningInterface;
  startedAt: string;
}): Promise<ServeSummary> {
  const { ws, log } = ctx;
  status.shuttingDown = true;
  status.ready = false;
  log.info('shutting down: not taking new work', {
    graceSeconds: ws.config.serve.graceSeconds,
    running: queue.running,
  });
  await stopTaking();
  const drained = await drainOrAbort({ queue, inFlight, work, deadlineMs: grace.deadlineMs });
  grace.clear();
  work.abort(new UnavailableError('drover serve is shutting down'));
  const recovered = await restoreAborted({ ctx, deadlineMs: grace.deadlineMs });
  await http.close();
  ws.close();
  status.stateOpen = false;
  const stoppedAt = new Date().toISOString();
  log.info('stopped', {
    drained,
    aborted: grace.aborted,
    recovered: recovered.length,
    seconds: Math.round((Date.now() - grace.stoppedAtMs) / 100) / 10,
  });
  return { address: http.address, startedAt, stoppedAt, shutdown: { drained, aborted: grace.aborted, recovered } };
}

/**
 * Waits for the queue's running tasks and every other piece of in-flight
 * work to finish, or for the grace period to abort them. True when all
 * finished, nothing aborted.
 */
async function drainOrAbort({
  queue,
  inFlight,
  work,
  deadlineMs,
}: {
  queue: WorkQueue;
  inFlight: InFlight;
  work: AbortController;
  deadlineMs: number;
}): Promise<boolean> {
  const drained = (async () => {
    await queue.stop();
    await inFlight.settled();
  })();
  const aborted = new Promise<void>((resolve) =>
    work.signal.aborted ? resolve() : work.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  await Promise.race([drained, aborted]);
  const done = !work.signal.aborted;
  // Aborted work settles quickly (the engine stops at its next step); never wait long for it.
  if (!done) await Promise.race([drained, sleep(Math.min(5_000, (deadlineMs - Date.now()) / 4))]);
  return done;
}

/** The final recovery: releases left unfinished by the abort are restored before the deadline, each logged. */
async function restoreAborted({
  ctx,
  deadlineMs,
}: {
  ctx: LoopContext;
  deadlineMs: number;
}): Promise<ServeSummary['shutdown']['recovered']> {
  const { ws, log, metrics } = ctx;
  const recovered: ServeSummary['shutdown']['recovered'] = [];
  if (unfinishedReleases(ws.db).length === 0) return recovered;
  const rec = await recoverAll({
    ws,
    onEvent: eventLogger(log, { phase: 'recover' }),
    signal: AbortSignal.timeout(Math.max(1_000, deadlineMs - Date.now() - EXIT_MARGIN_MS)),
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
  return recovered;
}
