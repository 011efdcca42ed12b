/**
 * What a release did to each object, as fluxcd/pkg ssa's ChangeSet: every
 * member `created`, `configured` or `unchanged`, every object that left the
 * bundle `deleted`, `released` (this bundle's fields and marks taken off, the
 * object left to others), `restored` (an adopted object's prior state put
 * back) or `skipped` (kept, with why). The apply and prune steps
 * return their entries, the journal stores the set, and verification checks
 * the health of what the set says is applied. Pure.
 *
 * @example
 *   const set = assembleChangeSet({ plan, applied, deleted });
 *   summarizeChangeSet(set) // => { created: 1, configured: 2, unchanged: 10, deleted: 1, skipped: 0 }
 */
import type { KubeObject } from '../object/ref.ts';
import type { PlanEntry } from './plan.ts';

export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'released' | 'restored' | 'skipped';

export interface ChangeSetEntry {
  /** `Kind/namespace/name`. */
  ref: string;
  key: string;
  action: ChangeAction;
  /** The object as applied (created, configured, unchanged). */
  object?: KubeObject;
  /** Why a `skipped` object was kept, or a `released` / `restored` one let go so. */
  reason?: string;
  /** How the bundle holds the object (created, adopted, shared, created-kept). */
  origin?: string;
}

export type ChangeSet = ChangeSetEntry[];

/**
 * The change set of a plan once applied and pruned: a member the apply wrote
 * is `created`/`configured` (as `applied` says), any other member
 * `unchanged`; a prune entry is `deleted` when `deleted` names it, a keep
 * entry `skipped`.
 */
export function assembleChangeSet({
  plan,
  applied,
  deleted,
  letGo = [],
}: {
  plan: readonly PlanEntry[];
  applied: readonly ChangeSetEntry[];
  deleted: readonly string[];
  letGo?: readonly ChangeSetEntry[];
}): ChangeSet {
  const written = new Map(applied.map((e) => [e.key, e]));
  const gone = new Set(deleted);
  const let_ = new Map(letGo.map((e) => [e.key, e]));
  const origin = (e: PlanEntry) => (e.entry ? { origin: e.entry.unknown ? 'unknown' : e.entry.origin } : {});
  return plan.flatMap((e): ChangeSetEntry[] => {
    if (e.action === 'prune')
      return gone.has(e.ref) ? [{ ref: e.ref, key: e.key, action: 'deleted', ...origin(e) }] : [];
    if (e.action === 'release' || e.action === 'restore') {
      const done = let_.get(e.key);
      return done ? [{ ...done, ...origin(e) }] : [];
    }
    if (e.action === 'keep')
      return [{ ref: e.ref, key: e.key, action: 'skipped', ...(e.reason ? { reason: e.reason } : {}), ...origin(e) }];
    return [
      {
        ...(written.get(e.key) ?? {
          ref: e.ref,
          key: e.key,
          action: 'unchanged' as const,
          ...(e.object ? { object: e.object } : {}),
        }),
        ...origin(e),
      },
    ];
  });
}

export function summarizeChangeSet(set: readonly ChangeSetEntry[]): Record<ChangeAction, number> {
  const s: Record<ChangeAction, number> = {
    created: 0,
    configured: 0,
    unchanged: 0,
    deleted: 0,
    released: 0,
    restored: 0,
    skipped: 0,
  };
  for (const e of set) s[e.action]++;
  return s;
}

/** The objects a change set leaves applied: what verification waits on. */
export function appliedObjects(set: readonly ChangeSetEntry[]): KubeObject[] {
  return set.flatMap((e) =>
    e.object && (e.action === 'created' || e.action === 'configured' || e.action === 'unchanged') ? [e.object] : [],
  );
}

/** The set as the journal stores it: refs and actions, no object bodies (which may hold decrypted Secrets). */
export function journalOf(
  set: readonly ChangeSetEntry[],
): { ref: string; action: ChangeAction; reason?: string; origin?: string }[] {
  return set.map(({ ref, action, reason, origin }) => ({
    ref,
    action,
    ...(reason ? { reason } : {}),
    ...(origin ? { origin } : {}),
  }));
}
