/**
 * Reading `status.conditions`, the one status shape most kinds share. Kept
 * apart so every rule reads a condition the same way (`status` is the string
 * `"True"`, `"False"` or `"Unknown"`, as the API server returns it).
 *
 * @example
 *   conditionOf(deployment, 'Progressing')?.reason // => 'NewReplicaSetAvailable'
 */
import type { KubeObject } from '../object/ref.ts';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

/** The conditions of an object, `[]` when it has none or they are malformed. */
export function conditionsOf(obj: KubeObject): Condition[] {
  const status = obj.status as { conditions?: unknown } | undefined;
  const list = status?.conditions;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (c): c is Condition => typeof c === 'object' && c !== null && typeof (c as Condition).type === 'string',
  );
}

export function conditionOf(obj: KubeObject, type: string): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}

export function isTrue(c: Condition | undefined): boolean {
  return c?.status === 'True';
}

export function isFalse(c: Condition | undefined): boolean {
  return c?.status === 'False';
}

/** `reason: message`, `reason` or `message`, whichever the condition has; '' for neither. */
export function describeCondition(c: Condition): string {
  if (c.reason && c.message) return `${c.reason}: ${c.message}`;
  return c.reason || c.message || '';
}
