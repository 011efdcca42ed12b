/**
 * lib/monitor: the drift monitor, an engine above lib/release. Per cluster,
 * `ClusterMonitor` puts together informers (lib/cluster/informer.ts), the
 * inventory index (which members each bundle owns there) and the judge (live
 * object -> verdict through lib/drift); `recordObservation` keeps the
 * verdicts as findings in the state database; `healBundle` re-applies the
 * version a cluster should run through the release engine; and
 * `startDriftMonitor` runs all of it for every cluster of a workspace, with
 * heals on the keyed work queue (what `drover serve` runs). The one-shot
 * check is the `drover drift` verb (lib/verbs/drift.ts).
 *
 * @example
 *   const monitor = await startDriftMonitor({ ws, onFinding: (f, change) => ... });
 *   await monitor.stop();
 */
export { ClusterMonitor, type ClusterMonitorOptions, type MonitorStats } from './cluster-monitor.ts';
export { HEAL_RETRY_BACKOFF, startDriftMonitor, type DriftMonitor, type DriftMonitorOptions } from './drift-monitor.ts';
export { healBlocker, healBundle, type HealOptions } from './heal.ts';
export { INVENTORY_LABEL, type DesiredMember, type LoadDesiredArgs } from './inventory-index.ts';
export { recordObservation, resolveGone, type FindingChange, type RecordedChange } from './record.ts';
