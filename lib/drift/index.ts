/**
 * lib/drift: the pure judgement of out-of-band changes to deployed members.
 * `compareObject` and `assessMember` judge desired vs live on the fields
 * Drover applied and no longer owns (read from managedFields by `fieldset`);
 * an `Observation` is what a monitor says about a member, a version or a
 * bundle gone. Nothing here reads a cluster or writes state: the monitor that
 * watches clusters, records findings and heals is lib/monitor.
 *
 * @example
 *   assessMember({ desired, live }) // => { kind: 'changed', fields: [{ path: 'spec.replicas', desired: 2, live: 5, managers: ['kubectl'] }] }
 */
export { assessMember, delegatedPaths, type DriftKind, type ObjectDrift } from './assess.ts';
export {
  compareObject,
  DROVER_MANAGER,
  listShape,
  parseQuantity,
  type CompareInput,
  type DriftField,
} from './compare.ts';
export { managerSets, ownsPath, parseFieldsV1, type FieldNode, type ManagerSet, type PathElement } from './fieldset.ts';
export type { DetectedBy, Observation } from './observation.ts';
