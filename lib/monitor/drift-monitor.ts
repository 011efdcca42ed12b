/**
 * The drift monitor `drover serve` runs: a cluster monitor per configured
 * cluster (watches kept open, a full scan every `drift.scanIntervalSeconds`),
 * every observation recorded as findings, and self-heal for the bundles whose
 * policy is `heal`. Heals go through the keyed work queue (lib/schedule), one
 * key per bundle x cluster: a heal is asked for a moment after a finding
 * opens, so the other members one out-of-band change touched are healed
 * together; one asked for while that bundle heals on that cluster runs once
 * more afterwards; a failed heal is tried again with the queue's exponential
 * backoff, 5 s doubling up to 5 minutes (`HEAL_RETRY_BACKOFF`), not only at
 * the next full scan.
 *
 * @example
 *   const monitor = await startDriftMonitor({ ws, onFinding: (f, change) => ..., onHeal: (h) => ... });
 *   await monitor.stop();
 */
import type { Cluster } from '../cluster/cluster.ts';
import type { Observation } from '../drift/observation.ts';
import { toDroverError } from '../errors/errors.ts';
import { singleFlight } from '../foundation/single-flight.ts';
import type { OnEvent } from '../progress.ts';
import { createWorkQueue, type WorkQueue } from '../schedule/work-queue.ts';
import { type FindingRecord, type HealRecord, openFindings } from '../state/drift.ts';
import { activeLeases } from '../state/leases.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { ClusterMonitor } from './cluster-monitor.ts';
import { type DriftContext, driftContext, type PolicyOf } from './drift-context.ts';
import { healAndVerify } from './heal-and-verify.ts';
import { type FindingChange, recordObservation, resolveGone } from './record.ts';

/** How failed heals of one bundle on one cluster are spaced: 5 s after the first, doubling up to 5 minutes. */
export const HEAL_RETRY_BACKOFF = { baseMs: 5000, maxMs: 300_000 } as const;

/** A short pause gathers the other members one out-of-band change touched into one heal. */
const HEAL_GATHER_MS = 300;

/**
 * How long starting waits for a cluster's watches to be streaming. A cluster
 * that does not answer must not hold the whole daemon back (its API, its
 * other clusters): past this, its monitor keeps starting in the background
 * and the start goes on, saying which clusters are not watched yet.
 */
const START_WAIT_MS = 10_000;

export interface DriftMonitor {
  /** A full scan of every cluster now (also runs every `drift.scanIntervalSeconds`). */
  scan(): Promise<void>;
  /** Per cluster: judged members, confirming GETs, watch requests. */
  stats(): { cluster: string; judged: number; confirmGets: number; lists: number; watches: number; events: number }[];
  stop(): Promise<void>;
}

export interface DriftMonitorOptions {
  ws: Workspace;
  onEvent?: OnEvent;
  signal?: AbortSignal;
  /** Every finding opened, changed (other fields or kind) or resolved. */
  onFinding?: (finding: FindingRecord, change: FindingChange) => void;
  /** Every heal, when it ends. */
  onHeal?: (heal: HealRecord) => void;
  /** Default `drift.scanIntervalSeconds` from drover.yaml. */
  scanIntervalMs?: number;
  /** How long a new finding waits to be confirmed on the newest copy (default 150 ms). */
  confirmMs?: number;
  /** Server-side timeout of each watch request. */
  watchTimeoutSeconds?: number;
  /** Each bundle's policy (default: drover.yaml's, for bundles the state knows; `drover agent`: its index's). */
  policyOf?: PolicyOf;
}

const healKey = (bundle: string, cluster: string) => `${bundle}\u0000${cluster}`;
const parseHealKey = (key: string) => {
  const [bundle = '', cluster = ''] = key.split('\u0000');
  return { bundle, cluster };
};

/** Watches every cluster; resolves once every watch is streaming and the first judgement is recorded. */
export async function startDriftMonitor({
  ws,
  onFinding,
  onHeal,
  onEvent,
  scanIntervalMs,
  confirmMs,
  watchTimeoutSeconds,
  policyOf,
  signal,
}: DriftMonitorOptions): Promise<DriftMonitor> {
  const ctx = driftContext(ws, policyOf);
  const clusters = await ws.clusters();
  const healing = new Map<string, number>();
  const ac = new AbortController();
  signal?.addEventListener('abort', () => ac.abort(signal.reason), { once: true });
  const monitors = new Map<string, ClusterMonitor>();

  const heals = createHealQueue({
    ws,
    ctx,
    clusters,
    monitors,
    healing,
    onFinding,
    onHeal,
    onEvent,
    signal: ac.signal,
  });
  const scheduleHeal = (bundle: string, cluster: string) => {
    if (!ac.signal.aborted) heals.addAfter(healKey(bundle, cluster), HEAL_GATHER_MS);
  };

  const { observe, afterPass } = findingsRecorder({ ws, ctx, healing, onFinding, scheduleHeal });
  const created = createClusterMonitors({ ws, ctx, clusters, observe, confirmMs, watchTimeoutSeconds, onEvent });
  for (const [name, m] of created) monitors.set(name, m);
  await passAll(monitors, {
    pass: (m) => startWithin(m, { ms: START_WAIT_MS, onEvent, whenStarted: () => afterPass(m) }),
    afterPass,
    onError: (m, err) =>
      onEvent?.({
        phase: 'drift',
        subject: m.cluster,
        level: 'error',
        message: `drift monitor: ${toDroverError(err).message}`,
      }),
  });

  // One scan at a time: a tick while a scan still waits on a slow apiserver joins it.
  const scanAll = singleFlight(() =>
    passAll(monitors, {
      pass: (m) => m.scan(ac.signal),
      afterPass,
      onError: (m, err) => {
        if (!ac.signal.aborted)
          onEvent?.({
            phase: 'drift',
            subject: m.cluster,
            level: 'warn',
            message: `drift scan: ${toDroverError(err).message}`,
          });
      },
    }),
  );
  const interval = setInterval(() => void scanAll(), scanIntervalMs ?? ws.config.drift.scanIntervalSeconds * 1000);
  interval.unref();

  return {
    scan: scanAll,
    stats: () => monitorStats(monitors),
    async stop() {
      clearInterval(interval);
      ac.abort();
      await heals.stop();
      await Promise.all([...monitors.values()].map((m) => m.stop()));
    },
  };
}

/**
 * What the monitors see, recorded as findings (part of the heal in flight
 * on that bundle x cluster, if any) and reported, with a heal asked for
 * where the bundle's policy is `heal`.
 */
function findingsRecorder({
  ws,
  ctx,
  healing,
  onFinding,
  scheduleHeal,
}: {
  ws: Workspace;
  ctx: DriftContext;
  healing: ReadonlyMap<string, number>;
  onFinding: DriftMonitorOptions['onFinding'];
  scheduleHeal: (bundle: string, cluster: string) => void;
}): { observe: (o: Observation) => void; afterPass: (m: ClusterMonitor) => void } {
  const observe = (o: Observation) => {
    const healId = healing.get(healKey(o.bundle, o.cluster));
    for (const c of recordObservation({ db: ws.db, observation: o, ...(healId !== undefined ? { healId } : {}) })) {
      onFinding?.(c.finding, c.change);
      if (c.change !== 'resolved' && ctx.policyOf(c.finding.bundle) === 'heal')
        scheduleHeal(c.finding.bundle, c.finding.cluster);
    }
  };

  /** After a full pass of a cluster: findings of bundles gone from it are moot, open ones of `heal` bundles are healed. */
  const afterPass = (m: ClusterMonitor) => {
    resolveGone({ db: ws.db, cluster: m.cluster, present: m.present() });
    for (const { bundle } of m.running()) {
      if (ctx.policyOf(bundle) === 'heal' && openFindings(ws.db, { bundle, cluster: m.cluster }).length > 0)
        scheduleHeal(bundle, m.cluster);
    }
  };
  return { observe, afterPass };
}

/** A monitor per cluster, reporting to `observe`; a bundle a release holds the lease of is busy (its changes are the release's). */
function createClusterMonitors({
  ws,
  ctx,
  clusters,
  observe,
  confirmMs,
  watchTimeoutSeconds,
  onEvent,
}: {
  ws: Workspace;
  ctx: DriftContext;
  clusters: ReadonlyMap<string, Cluster>;
  observe: (o: Observation) => void;
  confirmMs: number | undefined;
  watchTimeoutSeconds: number | undefined;
  onEvent: OnEvent | undefined;
}): Map<string, ClusterMonitor> {
  const monitors = new Map<string, ClusterMonitor>();
  const isBusy = (bundle: string, cluster: string) =>
    activeLeases(ws.db).some((l) => l.bundle === bundle && l.cluster === cluster);
  for (const [name, cluster] of clusters) {
    monitors.set(
      name,
      new ClusterMonitor({
        cluster,
        tracks: ctx.tracks,
        loadDesired: ctx.loadDesired,
        onObservation: observe,
        isBusy,
        ...(confirmMs !== undefined ? { confirmMs } : {}),
        ...(watchTimeoutSeconds ? { watchTimeoutSeconds } : {}),
        onEvent,
      }),
    );
  }
  return monitors;
}

/**
 * The heals, one key per bundle x cluster on the work queue: each heals and
 * verifies through `healAndVerify`, marking the heal in flight in `healing`
 * (observations meanwhile belong to it); a failed one is reported and tried
 * again with HEAL_RETRY_BACKOFF.
 */
function createHealQueue({
  ws,
  ctx,
  clusters,
  monitors,
  healing,
  onFinding,
  onHeal,
  onEvent,
  signal,
}: {
  ws: Workspace;
  ctx: DriftContext;
  clusters: ReadonlyMap<string, Cluster>;
  monitors: ReadonlyMap<string, ClusterMonitor>;
  healing: Map<string, number>;
  onFinding: DriftMonitorOptions['onFinding'];
  onHeal: DriftMonitorOptions['onHeal'];
  onEvent: OnEvent | undefined;
  signal: AbortSignal;
}): WorkQueue {
  return createWorkQueue({
    // Heals of different bundles or clusters never wait for each other.
    concurrency: Number.POSITIVE_INFINITY,
    backoff: HEAL_RETRY_BACKOFF,
    run: async (key) => {
      if (signal.aborted) return;
      const { bundle, cluster } = parseHealKey(key);
      const r = await healAndVerify({
        ws,
        ctx,
        cluster: clusters.get(cluster)!,
        monitor: monitors.get(cluster)!,
        bundle,
        onHealing: (id) => (id === undefined ? healing.delete(key) : healing.set(key, id)),
        // Resolved here or by the watch seeing the restored object, whichever comes first: either way it is reported once.
        onResolved: (f) => onFinding?.(f, 'resolved'),
        onEvent,
        signal,
      });
      if (r) onHeal?.(r);
    },
    // A failed heal (a busy API server, a lost lease) is tried again soon, not only at the next full scan.
    onError: ({ key, error, retryInMs }) => {
      if (signal.aborted) return;
      const { bundle, cluster } = parseHealKey(key);
      onEvent?.({
        phase: 'heal',
        subject: cluster,
        level: 'error',
        message: `${bundle}: heal failed (trying again in ${Math.round(retryInMs / 1000)} s): ${toDroverError(error).message}`,
      });
    },
  });
}

/** One pass (a start, a full scan) of every cluster's monitor at once, each followed by `afterPass`; a failed one is reported, the others go on. */
/**
 * A cluster monitor's start, waited for `ms` at most (true: started); one still starting then finishes in
 * the background, says so, and has its first pass judged (`whenStarted`) once it has listed.
 */
async function startWithin(
  m: ClusterMonitor,
  { ms, onEvent, whenStarted }: { ms: number; onEvent: OnEvent | undefined; whenStarted: () => void },
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const started = m.start();
  const waited = await Promise.race([
    started.then(() => 'started' as const),
    new Promise<'waiting'>((resolve) => {
      timer = setTimeout(() => resolve('waiting'), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
  if (waited === 'started') return true;
  onEvent?.({
    phase: 'drift',
    subject: m.cluster,
    level: 'warn',
    message: `drift monitor: ${m.cluster} is not watched yet (its API server has not answered within ${ms / 1000}s); still trying`,
  });
  started.then(whenStarted, () => {});
  return false;
}

async function passAll(
  monitors: ReadonlyMap<string, ClusterMonitor>,
  {
    pass,
    afterPass,
    onError,
  }: {
    /** One cluster's pass; false: it did not finish (it goes on in the background), so it is not judged now. */
    pass: (m: ClusterMonitor) => Promise<unknown>;
    afterPass: (m: ClusterMonitor) => void;
    onError: (m: ClusterMonitor, err: unknown) => void;
  },
): Promise<void> {
  await Promise.all(
    [...monitors.values()].map(async (m) => {
      try {
        if ((await pass(m)) !== false) afterPass(m);
      } catch (err) {
        onError(m, err);
      }
    }),
  );
}

/** Per cluster: judged members, confirming GETs, watch requests. */
function monitorStats(monitors: ReadonlyMap<string, ClusterMonitor>): ReturnType<DriftMonitor['stats']> {
  return [...monitors.values()].map((m) => {
    const w = m.watchStats();
    return {
      cluster: m.cluster,
      judged: m.stats.judged,
      confirmGets: m.stats.confirmGets,
      lists: w.lists,
      watches: w.watches,
      events: w.events,
    };
  });
}
