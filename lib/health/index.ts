/**
 * lib/health: pure health rules. `computeHealth` judges one live object,
 * `workloadFailure` adds the fatal states of a workload's new Pods, and
 * `aggregate` folds many results into one status. Fetching and waiting live in
 * lib/release.
 *
 * @example
 *   aggregate(members.map((m) => computeHealth(m))) // => 'Current'
 */
export { aggregate } from './aggregate.ts';
export { computeHealth } from './compute.ts';
export {
  podFindings,
  replicaSetFindings,
  workloadFailure,
  type FatalOptions,
  type Finding,
  type FindingReason,
  type WorkloadFailure,
} from './fatal.ts';
export { currentReplicaSet, currentRevisionPods } from './revision.ts';
export { KIND_RULES, type KindRule } from './rules/index.ts';
export { HEALTH_STATUSES, type HealthResult, type HealthRule, type HealthStatus } from './status.ts';
