/**
 * What every piece of the daemon's work is handed: the workspace, the
 * process environment (age keys, Git and registry credentials named in
 * drover.yaml), the logger, the metrics, and the work signal, which aborts
 * when the grace period runs out at shutdown.
 */
import type { Workspace } from '../workspace/workspace.ts';
import type { Logger } from './log.ts';
import type { ServeMetrics } from './serve-metrics.ts';

export interface LoopContext {
  ws: Workspace;
  env: NodeJS.ProcessEnv;
  log: Logger;
  metrics: ServeMetrics;
  signal: AbortSignal;
  now?: () => number;
}
