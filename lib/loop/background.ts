/**
 * The seam for long-running work beside the loop (drift detection, the
 * channel-tag watch):
 * a background task is started once the daemon is ready, gets the workspace,
 * a logger, the metrics and a way to wake a bundle, and is stopped (awaited)
 * when the daemon stops taking work. Adding one is one line in
 * `defaultBackgroundTasks` (daemon.ts).
 *
 * @example
 *   const drift: BackgroundTask = { name: 'drift', start: ({ ws, signal }) => startDriftMonitor({ ws, signal }) };
 */
import { toDroverError } from '../errors/errors.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { Logger } from './log.ts';
import type { ChangeFeed } from './changes.ts';
import type { ServeMetrics } from './serve-metrics.ts';

export interface BackgroundContext {
  ws: Workspace;
  /** The process environment (for age keys and credentials named in drover.yaml). */
  log: Logger;
  metrics: ServeMetrics;
  /** Sets `drover_drift_findings{bundle}`; call with the current count per bundle. */
  reportDriftFindings: (counts: Record<string, number>) => void;
  /** Asks the loop to reconcile a bundle soon (e.g. after self-heal decided a redeploy is needed). */
  wakeBundle: (bundle: string) => void;
  /** Where a task says a bundle changed (a drift finding opened or closed, a heal), for live interfaces. */
  changes?: ChangeFeed;
  /** Aborted when the daemon stops; `stop()` is called as well. */
  signal: AbortSignal;
}

export interface RunningTask {
  stop(): Promise<void>;
}

export interface BackgroundTask {
  name: string;
  start(ctx: BackgroundContext): Promise<RunningTask> | RunningTask;
}

/**
 * Starts each task in order, with its own logger (lines carry `task`) and
 * the drift gauge to report to, each start logged; a task that does not
 * start is logged and left out, and the others run. `stop()` stops every
 * started task and resolves when all have stopped, failed or not.
 */
export async function startBackgroundTasks({
  tasks,
  log,
  ...ctx
}: Omit<BackgroundContext, 'log' | 'reportDriftFindings'> & {
  tasks: readonly BackgroundTask[];
  log: Logger;
}): Promise<{
  stop(): Promise<void>;
}> {
  const reportDriftFindings: BackgroundContext['reportDriftFindings'] = (counts) =>
    Object.entries(counts).forEach(([bundle, n]) => ctx.metrics.driftFindings.set({ bundle }, n));
  const running: RunningTask[] = [];
  for (const t of tasks) {
    try {
      running.push(await t.start({ ...ctx, log: log.with({ task: t.name }), reportDriftFindings }));
      log.info(`background task ${t.name} started`, { task: t.name });
    } catch (err) {
      log.error(`background task ${t.name} did not start: ${toDroverError(err).message}`, {
        task: t.name,
        error: toDroverError(err),
      });
    }
  }
  return {
    stop: async () => {
      await Promise.allSettled(running.map(async (r) => r.stop()));
    },
  };
}

/**
 * Drift detection: the monitor's watches and periodic scan (lib/workspace/drift.ts),
 * each finding and heal logged, and the open findings per bundle kept in
 * `drover_drift_findings`. Self-heal follows each bundle's policy.
 */
export const driftTask: BackgroundTask = {
  name: 'drift',
  async start({ ws, log, reportDriftFindings, changes, signal }) {
    const [{ startDriftMonitor }, { openFindings }] = await Promise.all([
      import('../monitor/drift-monitor.ts'),
      import('../state/drift.ts'),
    ]);
    const report = () => {
      const counts: Record<string, number> = {};
      for (const f of openFindings(ws.db)) counts[f.bundle] = (counts[f.bundle] ?? 0) + 1;
      reportDriftFindings(counts);
    };
    const monitor = await startDriftMonitor({
      ws,
      signal,
      onFinding: (f, change) => {
        const fields = {
          bundle: f.bundle,
          cluster: f.cluster,
          object: f.ref,
          drift: f.kind,
          change,
          paths: f.fields.map((x) => x.path),
        };
        if (change === 'resolved')
          log.info(`drift resolved: ${f.ref} on ${f.cluster}`, { ...fields, resolution: f.resolution });
        else log.warn(`drift ${change}: ${f.ref} on ${f.cluster} (${f.kind})`, fields);
        report();
        changes?.emit({ bundle: f.bundle, kind: 'drift' });
      },
      onHeal: (h) => {
        const fields = {
          bundle: h.bundle,
          cluster: h.cluster,
          version: h.version,
          outcome: h.outcome,
          objects: h.refs,
          ...(h.reason ? { reason: h.reason } : {}),
        };
        if (h.outcome === 'healed') log.info(`self-heal: ${h.bundle}@${h.version} re-applied on ${h.cluster}`, fields);
        else log.warn(`self-heal of ${h.bundle} on ${h.cluster}: ${h.outcome}`, fields);
        report();
        changes?.emit({ bundle: h.bundle, kind: 'drift' });
      },
    });
    report();
    return monitor;
  },
};
