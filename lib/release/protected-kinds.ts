/**
 * Kinds never pruned unless the bundle opts in (`prune.protected`): deleting
 * them loses data or other tenants' objects. Its own module so the inventory
 * (which reads legacy records by it) and the ownership rules share it.
 */
export const PROTECTED_KINDS: readonly string[] = [
  'Namespace',
  'CustomResourceDefinition',
  'PersistentVolume',
  'PersistentVolumeClaim',
];

export const isProtectedKind = (kind: string): boolean => PROTECTED_KINDS.includes(kind);
