/**
 * What a release did to each object, as fluxcd/pkg ssa's ChangeSet: every
 * member `created`, `configured` or `unchanged`, every object that left the
 * bundle `deleted` or `skipped` (kept, with why). The apply and prune steps
 * return their entries, the journal stores the set, and verification checks
 * the health of what the set says is applied. Pure.
 *
 * @example
 *   const set = assembleChangeSet({ plan, applied, deleted });
 *   summarizeChangeSet(set) // => { created: 1, configured: 2, unchanged: 10, deleted: 1, skipped: 0 }
 */
import type { KubeObject } from '../object/ref.ts';
import type { PlanEntry } from './plan.ts';

export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped';

export interface ChangeSetEntry {
  /** `Kind/namespace/name`. */
  ref: string;
  key: string;
  action: ChangeAction;
  /** The object as applied (created, configured, unchanged). */
  object?: KubeObject;
  /** Why a `skipped` object was kept. */
  reason?: string;
}

export type ChangeSet = ChangeSetEntry[];

/**
 * The change set of a plan once applied and pruned: a member the apply wrote
 * is `created`/`configured` (as `applied` says), any other member
 * `unchanged`; a prune entry is `deleted` when `deleted` names it, a keep
 * entry `skipped`.
 */
export function assembleChangeSet({ plan, applied, deleted }: { plan: readonly PlanEntry[]; applied: readonly ChangeSetEntry[]; deleted: readonly string[] }): ChangeSet {
  const written = new Map(applied.map((e) => [e.key, e]));
  const gone = new Set(deleted);
  return plan.flatMap((e): ChangeSetEntry[] => {
    if (e.action === 'prune') return gone.has(e.ref) ? [{ ref: e.ref, key: e.key, action: 'deleted' }] : [];
    if (e.action === 'keep') return [{ ref: e.ref, key: e.key, action: 'skipped', ...(e.reason ? { reason: e.reason } : {}) }];
    return [written.get(e.key) ?? { ref: e.ref, key: e.key, action: 'unchanged', ...(e.object ? { object: e.object } : {}) }];
  });
}

export function summarizeChangeSet(set: readonly ChangeSetEntry[]): Record<ChangeAction, number> {
  const s: Record<ChangeAction, number> = { created: 0, configured: 0, unchanged: 0, deleted: 0, skipped: 0 };
  for (const e of set) s[e.action]++;
  return s;
}

/** The objects a change set leaves applied: what verification waits on. */
export function appliedObjects(set: readonly ChangeSetEntry[]): KubeObject[] {
  return set.flatMap((e) => (e.object && e.action !== 'deleted' && e.action !== 'skipped' ? [e.object] : []));
}

/** The set as the journal stores it: refs and actions, no object bodies (which may hold decrypted Secrets). */
export function journalOf(set: readonly ChangeSetEntry[]): { ref: string; action: ChangeAction; reason?: string }[] {
  return set.map(({ ref, action, reason }) => ({ ref, action, ...(reason ? { reason } : {}) }));
}
