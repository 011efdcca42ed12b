/**
 * How Drover marks what it owns: every applied object carries the label
 * `drover.dev/bundle=<bundle>` (so members and their events can be selected)
 * and the annotation `drover.dev/owner=<bundle>`; both are stable across
 * versions so re-applying an unchanged member writes nothing. Pruning deletes
 * only objects in the inventory that still carry the annotation, have no
 * ownerReferences, and are not of a protected kind.
 */
import type { KubeObject } from '../object/ref.ts';

export const BUNDLE_LABEL = 'drover.dev/bundle';
export const OWNER_ANNOTATION = 'drover.dev/owner';

/** Kinds never pruned unless the bundle opts in: deleting them loses data or other tenants' objects. */
export const PROTECTED_KINDS: readonly string[] = ['Namespace', 'CustomResourceDefinition', 'PersistentVolume', 'PersistentVolumeClaim'];

export const isProtectedKind = (kind: string): boolean => PROTECTED_KINDS.includes(kind);

/** The object as Drover applies it: the member plus the ownership label and annotation. Pure. */
export function withOwnership(obj: KubeObject, bundle: string): KubeObject {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata.labels, [BUNDLE_LABEL]: bundle },
      annotations: { ...obj.metadata.annotations, [OWNER_ANNOTATION]: bundle },
    },
  };
}

export type PruneVerdict = { prune: true } | { prune: false; reason: string };

/** Whether a live object that left the bundle may be deleted. Pure. */
export function pruneVerdict(live: KubeObject, bundle: string, { pruneProtected = false } = {}): PruneVerdict {
  const owner = live.metadata.annotations?.[OWNER_ANNOTATION];
  if (owner !== bundle) return { prune: false, reason: owner ? `owned by bundle ${owner}` : 'not marked as owned by Drover' };
  const refs = live.metadata.ownerReferences as unknown[] | undefined;
  if (refs && refs.length > 0) return { prune: false, reason: 'has ownerReferences (managed by a controller)' };
  if (!pruneProtected && isProtectedKind(live.kind)) return { prune: false, reason: `${live.kind} is protected from pruning (bundle policy prune.protected)` };
  return { prune: true };
}
