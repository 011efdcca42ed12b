/**
 * The seam for long-running work beside the loop (drift detection first):
 * a background task is started once the daemon is ready, gets the workspace,
 * a logger, the metrics and a way to wake a bundle, and is stopped (awaited)
 * when the daemon stops taking work. Adding one is one line in
 * `defaultBackgroundTasks`.
 *
 * @example
 *   const drift: BackgroundTask = { name: 'drift', start: ({ ws, signal }) => startDriftMonitor({ ws, signal }) };
 */
import type { Workspace } from '../workspace/workspace.ts';
import type { Logger } from './log.ts';
import type { ServeMetrics } from './serve-metrics.ts';

export interface BackgroundContext {
  ws: Workspace;
  /** The process environment (for age keys and credentials named in drover.yaml). */
  env: NodeJS.ProcessEnv;
  log: Logger;
  metrics: ServeMetrics;
  /** Sets `drover_drift_findings{bundle}`; call with the current count per bundle. */
  reportDriftFindings: (counts: Record<string, number>) => void;
  /** Asks the loop to reconcile a bundle soon (e.g. after self-heal decided a redeploy is needed). */
  wakeBundle: (bundle: string) => void;
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

/** The tasks `drover serve` runs. The drift monitor plugs in here. */
export const defaultBackgroundTasks: BackgroundTask[] = [];
