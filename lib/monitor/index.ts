/**
 * lib/monitor: drift detection as engine work, above the release engine.
 * `ClusterMonitor` feeds lib/drift's pure judgement from informers and scans
 * on one cluster; `recordObservation` keeps the findings in the state
 * database; `healBundle` re-applies the version a cluster should run through
 * the release engine; `startDriftMonitor` runs all of it for a workspace,
 * continuously, with heals scheduled on the keyed work queue
 * (lib/schedule).
 *
 * @example
 *   const m = await startDriftMonitor({ ws, onFinding: (f, change) => log(f, change) });
 *   await m.stop();
 */
export { ClusterMonitor, INVENTORY_LABEL, type ClusterMonitorOptions, type DesiredMember, type DetectedBy, type LoadDesiredArgs, type MonitorStats, type Observation } from './cluster-monitor.ts';
export { startDriftMonitor, type DriftMonitor, type DriftMonitorOptions } from './drift-monitor.ts';
export { healBlocker, healBundle, type HealOptions } from './heal.ts';
export { recordObservation, type FindingChange, type RecordedChange } from './record.ts';
