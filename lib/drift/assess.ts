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
import type { KubeObject } from '../object/ref.ts';
import { compareObject, type DriftField } from './compare.ts';

export type DriftKind = 'changed' | 'missing';

export interface ObjectDrift {
  kind: DriftKind;
  fields: DriftField[];
}

export function assessMember({
  desired,
  live,
  ignore = [],
  sensitive = false,
  managers,
}: {
  desired: KubeObject;
  live: KubeObject | null;
  ignore?: readonly string[];
  sensitive?: boolean;
  /** The bundle's own field managers (default: every Drover manager). */
  managers?: readonly string[];
}): ObjectDrift | null {
  if (!live || live.metadata.deletionTimestamp) return { kind: 'missing', fields: [] };
  const fields = compareObject({ desired, live, ignore, sensitive, ...(managers ? { managers } : {}) });
  return fields.length > 0 ? { kind: 'changed', fields } : null;
}
