/**
 * lib/drift: out-of-band changes to deployed members. `compareObject` and
 * `assessMember` are the pure judgement (desired vs live, on the fields
 * Drover applied and no longer owns); `ClusterMonitor` feeds it from watches
 * and scans on one cluster; `recordObservation` keeps the findings in the
 * state database; `healBundle` re-applies the version a cluster should run.
 * The workspace-level entry points are in lib/workspace/drift.ts.
 *
 * @example
 *   assessMember({ desired, live }) // => { kind: 'changed', fields: [{ path: 'spec.replicas', desired: 2, live: 5, managers: ['kubectl'] }] }
 */
export { assessMember, delegatedPaths, type DriftKind, type ObjectDrift } from './assess.ts';
export { ClusterMonitor, INVENTORY_LABEL, type ClusterMonitorOptions, type DesiredMember, type DetectedBy, type LoadDesiredArgs, type MonitorStats, type Observation } from './cluster-monitor.ts';
export { compareObject, DROVER_MANAGER, listShape, parseQuantity, type CompareInput, type DriftField } from './compare.ts';
export { managerSets, ownsPath, parseFieldsV1, type FieldNode, type ManagerSet, type PathElement } from './fieldset.ts';
export { healBlocker, healBundle, type HealOptions } from './heal.ts';
export { recordObservation, type FindingChange, type RecordedChange } from './record.ts';
