/**
 * Which members a release need not dry-run, pure. When the cluster already
 * runs the very version being released (its inventory's current digest is
 * the target's, and no release is in flight), a member whose live object has
 * not drifted from it (lib/drift's rule: every field Drover sets is still
 * Drover's, or holds the value Drover set) is exactly what Drover last
 * applied, so applying it again changes nothing and its dry run can be
 * skipped. That is the usual case of a heal, a recovery or a repeated deploy:
 * only the members that drifted pay for a dry run and a write. Anything this
 * cannot vouch for (a missing object, a field another manager took, a field
 * the server dropped) is left to the dry run.
 *
 * @example
 *   settledMembers({ desired, live, sameVersion: true }) // => Set { 'v1/ConfigMap/shop/web' , ... }
 */
import { assessMember } from '../drift/assess.ts';

import { keyOf, type KubeObject } from '../object/ref.ts';

export function settledMembers({
  desired,
  live,
  sameVersion,
  managers,
}: {
  desired: readonly KubeObject[];
  live: ReadonlyMap<string, KubeObject | null>;
  sameVersion: boolean;
  /** The bundle's own field managers: a field only another bundle's manager holds is not vouched for. */
  managers?: readonly string[];
}): Set<string> {
  const settled = new Set<string>();
  if (!sameVersion) return settled;
  for (const object of desired) {
    const key = keyOf(object);
    const obj = live.get(key) ?? null;
    if (obj && assessMember({ desired: object, live: obj, ...(managers ? { managers } : {}) }) === null)
      settled.add(key);
  }
  return settled;
}
