/**
 * What every piece of the daemon's work is handed: the workspace, the
 * process environment (age keys, Git and registry credentials named in
 * drover.yaml), the logger, the metrics, what is known of the parts it
 * depends on (registry, Git servers, clusters), what it said of channel tags,
 * and the work signal, which aborts
 * when the grace period runs out at shutdown.
 */
import type { Workspace } from '../workspace/workspace.ts';
import type { ChangeFeed } from './changes.ts';
import type { DependencyTracker } from './dependencies.ts';
import type { Logger } from './log.ts';
import type { PlanMemory } from './plan-memory.ts';
import type { FailingTasks } from './failing-tasks.ts';
import type { ServeMetrics } from './serve-metrics.ts';

/**
 * Per (bundle, environment): the refused or quarantined digest last said, so it is logged once (follow-channels.ts);
 * `trust`: refused by a rollout's trust gate (not cut here, signature), so it is asked again without a rollout.
 */
export type ChannelMemory = Map<string, { digest: string; refused?: string; trust?: boolean }>;

export interface LoopContext {
  ws: Workspace;
  log: Logger;
  metrics: ServeMetrics;
  /** Which of the registry, Git servers and clusters answer (dependencies.ts). */
  deps: DependencyTracker;
  signal: AbortSignal;
  now?: () => number;
  /** Where the daemon says a bundle changed (the dashboard listens); absent outside the daemon. */
  changes?: ChangeFeed;
  /** Refused and quarantined channel tags already said, so each is logged once per digest (follow-channels.ts). */
  channels?: ChannelMemory;
  /** Plans shown to people (the dashboard's confirm pages, the API), by id (plan-memory.ts); absent outside the daemon. */
  plans?: PlanMemory;
  /** Tasks failing again and again, for /readyz (failing-tasks.ts); absent outside the daemon. */
  failing?: FailingTasks;
}
