/**
 * Who owns what, pure. Ownership is recorded in the inventory's ledger
 * (inventory.ts), never inferred from the marks a release itself writes:
 * before its first write a release judges every member against the live
 * object, its own ledger and the other bundles' ledgers (`judgeMember`), and
 * one foreign member refuses the whole release. What leaves a bundle is
 * judged the same way (`dropVerdict`): only what Drover created and no other
 * bundle claims is ever deleted; an adopted object is released (its prior
 * state restored when the release that adopted it is undone); a shared one
 * loses only this bundle's fields.
 *
 * The marks a release writes are for selection and for people: a member
 * carries `drover.dev/bundle=<bundle>` and `drover.dev/owner=<bundle>`; a
 * shared member carries one label key per claiming bundle,
 * `drover.dev/bundle.<bundle>`, so each bundle's apply owns its own key. Each
 * bundle applies with its own field manager, `drover/<bundle>`; objects
 * written under the single manager `drover` of earlier releases are moved to
 * the bundle's manager before they are applied (cluster/managers.ts).
 *
 * @example
 *   judgeMember({ bundle: 'web', id, live, claims: [], shared: false, adoptable: false })
 *   // => { kind: 'foreign', message: 'ConfigMap/shop/legacy exists and is not owned by bundle web; adopt it with spec.adopt', ... }
 */
import { matchesAnyObjectSelector, type ObjectSelector } from '../bundle/selector.ts';
import { formatRef, type KubeObject, type ObjectId } from '../object/ref.ts';
import type { InventoryEntry, Origin } from './inventory.ts';
import { isProtectedKind } from './protected-kinds.ts';

export const BUNDLE_LABEL = 'drover.dev/bundle';
export const OWNER_ANNOTATION = 'drover.dev/owner';
/** The label key a shared member carries for each bundle that claims it. */
export const sharedLabel = (bundle: string): string => `${BUNDLE_LABEL}.${bundle}`;
/** The field manager a bundle applies with. */
export const managerOf = (bundle: string): string => `drover/${bundle}`;
/** The one field manager of releases before per-bundle managers. */
export const LEGACY_MANAGER = 'drover';

/** The object as Drover applies it for `bundle`: the member plus the bundle's marks. Pure. */
export function withOwnership(
  obj: KubeObject,
  bundle: string,
  { shared = false }: { shared?: boolean } = {},
): KubeObject {
  const labels = {
    ...obj.metadata.labels,
    ...(shared ? { [sharedLabel(bundle)]: 'true' } : { [BUNDLE_LABEL]: bundle }),
  };
  const annotations = shared ? obj.metadata.annotations : { ...obj.metadata.annotations, [OWNER_ANNOTATION]: bundle };
  return { ...obj, metadata: { ...obj.metadata, labels, ...(annotations ? { annotations } : {}) } };
}

/** Whether a member matches any of a bundle's selectors (spec.shared, spec.adopt). Pure. */
export const selectedBy = (selectors: readonly ObjectSelector[], obj: KubeObject): boolean =>
  matchesAnyObjectSelector({ selectors, object: obj });

/** Another bundle's ledger entry for the same object. */
export interface Claim {
  bundle: string;
  entry: InventoryEntry;
}

export type MemberJudgement =
  /** The bundle holds it already (its ledger, or the release in flight): the entry it keeps. */
  | { kind: 'owned'; entry: InventoryEntry }
  /** New to the bundle; the entry this release adds. */
  | { kind: 'create' | 'adopt' | 'join'; entry: InventoryEntry }
  /** Exists and is not the bundle's to write: the release is refused. */
  | { kind: 'foreign'; message: string; claimedBy?: string; adopt: ObjectSelector };

const entryOf = (id: ObjectId, origin: Origin, extra: Partial<InventoryEntry> = {}): InventoryEntry => ({
  apiVersion: id.apiVersion,
  kind: id.kind,
  namespace: id.namespace,
  name: id.name,
  origin,
  ...extra,
});

/** The `spec.adopt` line that would take an object over. Pure. */
export const adoptLineOf = (id: ObjectId): ObjectSelector => ({
  kind: id.kind,
  ...(id.namespace ? { namespace: id.namespace } : {}),
  name: id.name,
});

/**
 * How a desired member stands before a release writes anything. The rule: an
 * object that exists and is neither in this bundle's ledger nor declared
 * shared by this bundle and recorded shared by another bundle's ledger is
 * foreign, unless `spec.adopt` selects it and no other bundle holds it. An
 * absent object is created (shared, when this bundle declares it so). Pure.
 */
export function judgeMember({
  bundle,
  id,
  live,
  own,
  claims,
  shared,
  adoptable,
}: {
  bundle: string;
  id: ObjectId;
  live: KubeObject | null;
  /** This bundle's entry (committed or in flight). */
  own: InventoryEntry | undefined;
  /** Other bundles' entries on the same object. */
  claims: readonly Claim[];
  /** This bundle declares the member shared (spec.shared). */
  shared: boolean;
  /** spec.adopt selects the member. */
  adoptable: boolean;
}): MemberJudgement {
  const ref = formatRef(id);
  const sharer = (c: Claim) => c.entry.origin === 'shared' || c.entry.unknown === true;
  const holders = claims.filter((c) => !(shared && sharer(c)));
  if (own) {
    if (live === null)
      return {
        kind: 'owned',
        entry: shared
          ? entryOf(id, 'shared', { createdByDrover: true })
          : entryOf(
              id,
              own.origin === 'shared' ? 'shared' : 'created',
              own.origin === 'shared' ? { createdByDrover: true } : {},
            ),
      };
    if (own.origin === 'created-kept') return { kind: 'owned', entry: { ...own, origin: 'created' } };
    return { kind: 'owned', entry: own };
  }
  if (holders.length > 0) {
    const other = holders[0]!.bundle;
    const how = shared
      ? `; it is not shared there (spec.shared in both bundles shares it)`
      : `; share it with spec.shared in both bundles, or leave it to ${other}`;
    return {
      kind: 'foreign',
      message: `${ref} is held by bundle ${other}, not by bundle ${bundle}${how}`,
      claimedBy: other,
      adopt: adoptLineOf(id),
    };
  }
  if (live === null)
    return {
      kind: 'create',
      entry: shared ? entryOf(id, 'shared', { createdByDrover: true }) : entryOf(id, 'created'),
    };
  const joined = claims.find(sharer);
  if (shared && joined)
    return {
      kind: 'join',
      entry: entryOf(
        id,
        'shared',
        joined.entry.origin === 'shared'
          ? joined.entry.createdByDrover
            ? { createdByDrover: true }
            : {}
          : { createdByDrover: true },
      ),
    };
  if (adoptable) return { kind: 'adopt', entry: entryOf(id, 'adopted') };
  return {
    kind: 'foreign',
    message: `${ref} exists and is not owned by bundle ${bundle}; adopt it with spec.adopt`,
    adopt: adoptLineOf(id),
  };
}

/**
 * What happens to an object the bundle holds and no longer wants:
 * `delete` it, `keep` it (recorded as created-kept), `release` it (drop
 * this bundle's field manager and marks; `keepValues` leaves the values it
 * set in place, for an adopted object, where otherwise only the fields no
 * other bundle applies go), or `restore` its prior state (an adopted object
 * whose adoption is being undone).
 */
export type DropVerdict =
  | { action: 'delete' }
  | { action: 'keep'; reason: string }
  | { action: 'release'; keepValues: boolean; reason: string }
  | { action: 'restore'; reason: string };

/**
 * The rule for an object leaving a bundle, pure. `mode`: `release` (dropped
 * since the previous version: prune.enabled applies), `rollback` (added by
 * the release being undone), `retire` (the whole bundle goes).
 */
export function dropVerdict({
  entry,
  live,
  claims,
  mode,
  prune,
}: {
  entry: InventoryEntry;
  live: KubeObject;
  /** Other bundles' entries on the same object. */
  claims: readonly Claim[];
  mode: 'release' | 'rollback' | 'retire';
  prune: { enabled: boolean; protected: boolean };
}): DropVerdict {
  const others = [...new Set(claims.map((c) => c.bundle))];
  if (entry.origin === 'adopted') {
    if (mode === 'rollback' && entry.prior)
      return { action: 'restore', reason: 'adopted by the release being rolled back: its prior state is restored' };
    return {
      action: 'release',
      keepValues: true,
      reason: entry.priorUnknown
        ? 'adopted (prior state unknown): released, never deleted'
        : 'adopted: released, never deleted',
    };
  }
  if (others.length > 0)
    return {
      action: 'release',
      keepValues: false,
      reason: `still claimed by bundle ${others.join(', ')}: only this bundle's fields are removed`,
    };
  if (entry.origin === 'shared' && !entry.createdByDrover)
    return {
      action: 'release',
      keepValues: true,
      reason: 'shared, and not created by Drover: released, never deleted',
    };
  if (entry.implicit)
    return {
      action: 'keep',
      reason:
        "created for the bundle's members (createNamespace); Drover never deletes a namespace it did not ship, since it may hold objects Drover does not own",
    };
  if (mode === 'release' && !prune.enabled)
    return { action: 'keep', reason: 'pruning is off for this bundle (spec.prune.enabled: false)' };
  if (mode === 'release' && entry.origin === 'created-kept')
    return { action: 'keep', reason: 'kept when its bundle let it go' };
  const refs = live.metadata.ownerReferences as unknown[] | undefined;
  if (refs && refs.length > 0) return { action: 'keep', reason: 'has ownerReferences (managed by a controller)' };
  if (!prune.protected && isProtectedKind(live.kind))
    return { action: 'keep', reason: `${live.kind} is protected from pruning (bundle policy prune.protected)` };
  return { action: 'delete' };
}
