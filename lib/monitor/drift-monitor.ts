/**
 * Drift, continuously, for a workspace (what `drover serve` runs): a
 * ClusterMonitor per configured cluster keeps watches open, every
 * observation is recorded as a finding, and a bundle whose self-heal policy
 * is `heal` is healed when one of its members drifts. Heals go through the
 * keyed work queue (lib/schedule), one key per bundle x cluster: a short
 * pause gathers the members one out-of-band change touched into one heal, a
 * heal asked for while one runs runs once more after it, and a failed heal
 * is tried again with the queue's backoff (5 s, doubling to 5 minutes) as
 * long as findings stay open. A full scan runs every
 * `drift.scanIntervalSeconds`.
 *
 * @example
 *   const monitor = await startDriftMonitor({ ws, onFinding: (f, change) => log(f, change) });
 *   await monitor.stop();
 */
import { selfHealFor } from '../config/config.ts';
import { toDroverError } from '../errors/errors.ts';
import type { OnEvent } from '../progress.ts';
import { createWorkQueue } from '../schedule/work-queue.ts';
import { type FindingRecord, type HealRecord, openFindings } from '../state/drift.ts';
import { activeLeases } from '../state/leases.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { ClusterMonitor, type Observation } from './cluster-monitor.ts';
import { driftContext, resolveGone } from './drift-context.ts';
import { healAndVerify } from './heal-and-verify.ts';
import { type FindingChange, recordObservation } from './record.ts';

export interface DriftMonitor {
  /** A full scan of every cluster now (also runs every `drift.scanIntervalSeconds`). */
  scan(): Promise<void>;
  /** Per cluster: judged members, confirming GETs, watch requests. */
  stats(): { cluster: string; judged: number; confirmGets: number; lists: number; watches: number; events: number }[];
  stop(): Promise<void>;
}

export interface DriftMonitorOptions {
  ws: Workspace;
  /** Process environment, for age keys named by `ageKey.env`. */
  env?: NodeJS.ProcessEnv;
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
}

/** How long a heal waits after the first finding, to take the others one change made with it. */
const GATHER_MS = 300;
/** A failed heal is tried again after 5 s, doubling up to 5 minutes. */
export const HEAL_BACKOFF = { baseMs: 5_000, maxMs: 300_000 };

const healKey = (bundle: string, cluster: string) => `${bundle}\u0000${cluster}`;

export async function startDriftMonitor({ ws, env = {}, onFinding, onHeal, onEvent, scanIntervalMs, confirmMs, watchTimeoutSeconds, signal }: DriftMonitorOptions): Promise<DriftMonitor> {
  const ctx = driftContext(ws, env);
  const clusters = await ws.clusters();
  const healing = new Map<string, number>();
  const ac = new AbortController();
  signal?.addEventListener('abort', () => ac.abort(signal.reason), { once: true });
  const monitors = new Map<string, ClusterMonitor>();

  const heals = createWorkQueue({
    concurrency: 8,
    backoff: HEAL_BACKOFF,
    run: async (key) => {
      const [bundle, cluster] = key.split('\u0000') as [string, string];
      const r = await healAndVerify({
        ws,
        ctx,
        cluster: clusters.get(cluster)!,
        monitor: monitors.get(cluster)!,
        bundle,
        onHealing: (id) => (id === undefined ? healing.delete(key) : healing.set(key, id)),
        // Resolved here or by the watch seeing the restored object, whichever comes first: either way it is reported once.
        onResolved: (f) => onFinding?.(f, 'resolved'),
        ...(onEvent ? { onEvent } : {}),
        signal: ac.signal,
      });
      if (r) onHeal?.(r);
    },
    // A failed heal (a busy API server, a lost lease) is tried again soon, not only at the next full scan; with nothing open any more, the retry does nothing.
    onError: ({ key, error, retryInMs }) => {
      if (ac.signal.aborted) return;
      const [bundle, cluster] = key.split('\u0000') as [string, string];
      onEvent?.({ phase: 'heal', subject: cluster, level: 'error', message: `${bundle}: heal failed (trying again in ${Math.round(retryInMs / 1000)} s): ${toDroverError(error).message}` });
    },
  });
  const scheduleHeal = (bundle: string, cluster: string) => heals.addAfter(healKey(bundle, cluster), GATHER_MS);

  const observe = (o: Observation) => {
    const healId = healing.get(healKey(o.bundle, o.cluster));
    for (const c of recordObservation({ db: ws.db, observation: o, ...(healId !== undefined ? { healId } : {}) })) {
      onFinding?.(c.finding, c.change);
      if (c.change !== 'resolved' && selfHealFor(ws.config, c.finding.bundle) === 'heal') scheduleHeal(c.finding.bundle, c.finding.cluster);
    }
  };

  const isBusy = (bundle: string, cluster: string) => activeLeases(ws.db).some((l) => l.bundle === bundle && l.cluster === cluster);
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
        ...(onEvent ? { onEvent } : {}),
      }),
    );
  }
  const healOpen = (m: ClusterMonitor) => {
    for (const { bundle } of m.running()) {
      if (selfHealFor(ws.config, bundle) === 'heal' && openFindings(ws.db, { bundle, cluster: m.cluster }).length > 0) scheduleHeal(bundle, m.cluster);
    }
  };
  await Promise.all(
    [...monitors.values()].map(async (m) => {
      try {
        await m.start();
        resolveGone(ws, m);
        healOpen(m);
      } catch (err) {
        onEvent?.({ phase: 'drift', subject: m.cluster, level: 'error', message: `drift monitor: ${toDroverError(err).message}` });
      }
    }),
  );

  const scanAll = async () => {
    await Promise.all(
      [...monitors.values()].map(async (m) => {
        try {
          await m.scan(ac.signal);
          resolveGone(ws, m);
          healOpen(m);
        } catch (err) {
          if (!ac.signal.aborted) onEvent?.({ phase: 'drift', subject: m.cluster, level: 'warn', message: `drift scan: ${toDroverError(err).message}` });
        }
      }),
    );
  };
  const interval = setInterval(() => void scanAll(), scanIntervalMs ?? ws.config.drift.scanIntervalSeconds * 1000);
  interval.unref();

  return {
    scan: scanAll,
    stats: () =>
      [...monitors.values()].map((m) => {
        const w = m.watchStats();
        return { cluster: m.cluster, judged: m.stats.judged, confirmGets: m.stats.confirmGets, lists: w.lists, watches: w.watches, events: w.events };
      }),
    async stop() {
      clearInterval(interval);
      ac.abort();
      await heals.stop();
      await Promise.all([...monitors.values()].map((m) => m.stop()));
    },
  };
}
