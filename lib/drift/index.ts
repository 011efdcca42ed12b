/**
 * lib/drift: the pure judgement of out-of-band changes to deployed members:
 * `compareObject` and `assessMember` (desired vs live, on the fields Drover
 * applied and no longer owns, from managedFields). No I/O: the monitor that
 * feeds it from watches and scans, the findings it records and the heal that
 * re-applies a version are engine work, in lib/monitor/.
 *
 * @example
 *   assessMember({ desired, live }) // => { kind: 'changed', fields: [{ path: 'spec.replicas', desired: 2, live: 5, managers: ['kubectl'] }] }
 */
export { assessMember, delegatedPaths, type DriftKind, type ObjectDrift } from './assess.ts';
export { compareObject, DROVER_MANAGER, listShape, parseQuantity, type CompareInput, type DriftField } from './compare.ts';
export { managerSets, ownsPath, parseFieldsV1, type FieldNode, type ManagerSet, type PathElement } from './fieldset.ts';
