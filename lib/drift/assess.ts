/**
 * The verdict on one member, pure: `missing` when the live object is gone (or
 * being deleted), `changed` with the drifted fields, or null when it matches
 * what Drover applied. Also which fields a bundle hands to others on purpose:
 * a workload scaled by a HorizontalPodAutoscaler of the same bundle has its
 * `spec.replicas` owned by the autoscaler, never drift.
 *
 * @example
 *   assessMember({ desired, live: null }) // => { kind: 'missing', fields: [] }
 */
import { groupOf, type KubeObject, refKey, refOf } from '../object/ref.ts';
import { compareObject, type DriftField } from './compare.ts';

export type DriftKind = 'changed' | 'missing';

export interface ObjectDrift {
  kind: DriftKind;
  fields: DriftField[];
}

export function assessMember({ desired, live, ignore = [], sensitive = false }: { desired: KubeObject; live: KubeObject | null; ignore?: readonly string[]; sensitive?: boolean }): ObjectDrift | null {
  if (!live || live.metadata.deletionTimestamp) return { kind: 'missing', fields: [] };
  const fields = compareObject({ desired, live, ignore, sensitive });
  return fields.length > 0 ? { kind: 'changed', fields } : null;
}

/** Paths never judged, by member refKey: `spec.replicas` of every workload an HPA in the same bundle scales. */
export function delegatedPaths(members: readonly KubeObject[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of members) {
    if (m.kind !== 'HorizontalPodAutoscaler' || groupOf(m.apiVersion) !== 'autoscaling') continue;
    const target = (m.spec as { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string } } | undefined)?.scaleTargetRef;
    if (!target?.kind || !target.name) continue;
    const key = refKey({ group: groupOf(target.apiVersion ?? ''), kind: target.kind, namespace: refOf(m).namespace, name: target.name });
    out.set(key, [...(out.get(key) ?? []), 'spec.replicas']);
  }
  return out;
}
