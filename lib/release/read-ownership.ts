/**
 * What a release may write, read before it writes anything: every desired
 * member's live object and the objects the bundle holds (one read for all),
 * the other bundles' ledgers when an existing object is not this bundle's
 * (one LIST of drover-system, and only then: a release at rest pays nothing),
 * and the namespaces of members to be created. Each member is judged by
 * ownership.ts; the result says which entries the release adds, what it
 * adopts, which namespaces it creates, and what refuses it: a foreign
 * member, a missing namespace, a member in Drover's own namespace. `diff
 * --cluster` reads the same, so what it shows is what the release will do.
 *
 * @example
 *   const o = await readOwnership({ cluster, bundle: 'web', desired, inventory, policy });
 *   o.foreign // [{ ref: 'ConfigMap/shop/legacy', message: '... adopt it with spec.adopt', adopt: { kind: 'ConfigMap', ... } }]
 */
import type { BundlePolicy } from '../bundle/policy.ts';
import type { ObjectSelector } from '../bundle/selector.ts';
import { INVENTORY_LABEL } from '../bundle/member-namespaces.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { readLive } from './read-live.ts';
import { formatRef, idOf, keyOf, type KubeObject, type ObjectId, refKey } from '../object/ref.ts';
import {
  claimsOf,
  entryFor,
  INVENTORY_NAMESPACE,
  type Inventory,
  type InventoryEntry,
  listInventories,
  pendingEntries,
} from './inventory.ts';
import { type Claim, judgeMember, selectedBy, withOwnership } from './ownership.ts';
import { PRIOR_LABEL, priorStateRef } from './prior-state.ts';
import type { ReleaseFailedError } from '../errors/errors.ts';
import { refusal } from './refusal.ts';

export interface ForeignMember {
  ref: string;
  message: string;
  /** The `spec.adopt` line that would take it over (when no other bundle holds it). */
  adopt: ObjectSelector;
  claimedBy?: string;
}

export interface Ownership {
  /** Live objects by key: desired members and what the bundle holds. */
  live: Map<string, KubeObject | null>;
  /** The entry each desired member is held by after the release, by key. */
  entries: Map<string, InventoryEntry>;
  /** Entries the release adds: objects it creates, adopts or joins, and namespaces it creates. */
  added: InventoryEntry[];
  /** Members it adopts, with their live objects (their prior state is kept before the first write). */
  adoptions: { object: KubeObject; live: KubeObject; entry: InventoryEntry }[];
  /** Namespaces it creates for its members (createNamespace). */
  namespaces: KubeObject[];
  /** What the bundle holds and this release may let go (implicit namespaces still needed are not among them). */
  held: InventoryEntry[];
  /** Namespaces the bundle created earlier and its members still need: kept in the ledger. */
  carried: InventoryEntry[];
  /** Other bundles' entries, by key (read only when needed). */
  claims: Map<string, Claim[]>;
  foreign: ForeignMember[];
  missingNamespaces: { namespace: string; members: string[] }[];
  reserved: { ref: string; message: string }[];
}

/** Members in Drover's own namespace (or that namespace itself), and members that are Drover's own records. Pure. */
export function reservedMembers({
  bundle,
  desired,
  selfManaged,
}: {
  bundle: string;
  desired: readonly KubeObject[];
  selfManaged: boolean;
}): { ref: string; message: string }[] {
  const out: { ref: string; message: string }[] = [];
  for (const o of desired) {
    const ref = formatRef(idOf(o));
    const inDrover =
      (o.metadata.namespace ?? '') === INVENTORY_NAMESPACE ||
      (o.kind === 'Namespace' && o.metadata.name === INVENTORY_NAMESPACE);
    const record =
      (o.metadata.namespace ?? '') === INVENTORY_NAMESPACE &&
      (o.metadata.name.startsWith('inventory-') ||
        o.metadata.name.startsWith('drover-prior-') ||
        o.metadata.labels?.[INVENTORY_LABEL] !== undefined ||
        o.metadata.labels?.[PRIOR_LABEL] !== undefined);
    if (record)
      out.push({
        ref,
        message: `${ref} is one of Drover's own records (an inventory or a prior state); no bundle may write it`,
      });
    else if (inDrover && !selfManaged)
      out.push({
        ref,
        message: `${ref} is in ${INVENTORY_NAMESPACE}, Drover's own namespace; only a bundle drover.yaml names under selfManaged may ship objects there (bundle ${bundle} is not)`,
      });
  }
  return out;
}

/** The desired members as the bundle applies them: its marks, shared ones with their per-bundle label. Pure. */
export function markedMembers({
  bundle,
  members,
  policy,
}: {
  bundle: string;
  members: readonly KubeObject[];
  policy: BundlePolicy;
}): KubeObject[] {
  return members.map((m) => withOwnership(m, bundle, { shared: selectedBy(policy.shared, m) }));
}

export async function readOwnership({
  cluster,
  bundle,
  desired,
  inventory,
  policy,
  createNamespace = false,
  selfManaged = false,
  concurrency = 16,
  signal,
}: {
  cluster: Cluster;
  bundle: string;
  /** Members as they will be applied (markedMembers). */
  desired: readonly KubeObject[];
  inventory: Inventory;
  policy: BundlePolicy;
  /** The environment asks for missing namespaces to be created (the bundle's policy can too). */
  createNamespace?: boolean;
  selfManaged?: boolean;
  concurrency?: number;
  signal?: AbortSignal;
}): Promise<Ownership> {
  const reserved = reservedMembers({ bundle, desired, selfManaged });
  const desiredKeys = new Set(desired.map(keyOf));
  const allHeld = [
    ...new Map([...inventory.entries, ...pendingEntries(inventory)].map((e) => [refKey(e), e])).values(),
  ];
  const used = new Set(desired.map((o) => o.metadata.namespace ?? '').filter(Boolean));
  const carried = allHeld.filter((e) => e.implicit && used.has(e.name) && !desiredKeys.has(refKey(e)));
  const carriedKeys = new Set(carried.map(refKey));
  const held = allHeld.filter((e) => !carriedKeys.has(refKey(e)));
  const live = await readLive(cluster, [...desired.map(idOf), ...held], concurrency, signal);

  const own = (o: KubeObject) => entryFor(inventory, idOf(o));
  const needClaims =
    desired.some((o) => live.get(keyOf(o)) && !own(o)) ||
    held.some((e) => !desiredKeys.has(refKey(e)) && live.get(refKey(e)));
  const claims = needClaims ? claimsOf(await listInventories(cluster, signal), bundle) : new Map<string, Claim[]>();

  const { entries, added, adoptions, foreign } = judgeMembers({ bundle, desired, live, inventory, claims, policy });

  const { needed, missing } = await readNeededNamespaces({ cluster, desired, live, concurrency, signal });
  const creates = createNamespace || policy.createNamespace;
  const namespaces: KubeObject[] = [];
  const missingNamespaces: Ownership['missingNamespaces'] = [];
  for (const n of missing) {
    if (!creates) {
      missingNamespaces.push({ namespace: n.name, members: needed.get(n.name)! });
      continue;
    }
    namespaces.push(withOwnership({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n.name } }, bundle));
    const entry: InventoryEntry = { ...n, origin: 'created', implicit: true };
    added.push(entry);
    entries.set(refKey(n), entry);
    live.set(refKey(n), null);
  }
  return { live, entries, added, adoptions, namespaces, held, carried, claims, foreign, missingNamespaces, reserved };
}

/**
 * Each desired member judged by ownership.ts against its live object, this
 * bundle's ledger and the other bundles' claims: the entry it is held by
 * after the release, the entries the release adds, what it adopts (with the
 * prior state's name), and the members that are foreign. Pure.
 */
function judgeMembers({
  bundle,
  desired,
  live,
  inventory,
  claims,
  policy,
}: {
  bundle: string;
  desired: readonly KubeObject[];
  live: ReadonlyMap<string, KubeObject | null>;
  inventory: Inventory;
  claims: ReadonlyMap<string, Claim[]>;
  policy: BundlePolicy;
}): Pick<Ownership, 'entries' | 'added' | 'adoptions' | 'foreign'> {
  const own = (o: KubeObject) => entryFor(inventory, idOf(o));
  const entries = new Map<string, InventoryEntry>();
  const added: InventoryEntry[] = [];
  const adoptions: Ownership['adoptions'] = [];
  const foreign: ForeignMember[] = [];
  for (const o of desired) {
    const key = keyOf(o);
    const l = live.get(key) ?? null;
    const j = judgeMember({
      bundle,
      id: idOf(o),
      live: l,
      own: own(o),
      claims: claims.get(key) ?? [],
      shared: selectedBy(policy.shared, o),
      adoptable: selectedBy(policy.adopt, o),
    });
    if (j.kind === 'foreign') {
      foreign.push({
        ref: formatRef(idOf(o)),
        message: j.message,
        adopt: j.adopt,
        ...(j.claimedBy ? { claimedBy: j.claimedBy } : {}),
      });
      continue;
    }
    const entry = j.kind === 'adopt' ? { ...j.entry, prior: priorStateRef(bundle, idOf(o)) } : j.entry;
    entries.set(key, entry);
    if (j.kind !== 'owned') added.push(entry);
    if (j.kind === 'adopt') adoptions.push({ object: o, live: l!, entry });
  }
  return { entries, added, adoptions, foreign };
}

/**
 * The namespaces members to be created need (a member that exists has its
 * namespace; one the bundle ships is not needed), each with the members
 * that need it, and whether each exists now.
 */
async function readNeededNamespaces({
  cluster,
  desired,
  live,
  concurrency,
  signal,
}: {
  cluster: Cluster;
  desired: readonly KubeObject[];
  live: ReadonlyMap<string, KubeObject | null>;
  concurrency: number;
  signal?: AbortSignal;
}): Promise<{ needed: Map<string, string[]>; missing: ObjectId[] }> {
  // Namespaces of members to be created: a member that exists has its namespace.
  const shipped = new Set(
    desired.filter((o) => o.kind === 'Namespace' && o.apiVersion === 'v1').map((o) => o.metadata.name),
  );
  const needed = new Map<string, string[]>();
  for (const o of desired) {
    const ns = o.metadata.namespace ?? '';
    if (!ns || shipped.has(ns) || live.get(keyOf(o))) continue;
    needed.set(ns, [...(needed.get(ns) ?? []), formatRef(idOf(o))]);
  }
  const nsIds = [...needed.keys()].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name }));
  const nsLive = nsIds.length
    ? await readLive(cluster, nsIds, concurrency, signal)
    : new Map<string, KubeObject | null>();
  return { needed, missing: nsIds.filter((n) => nsLive.get(refKey(n)) === null) };
}

/** The refusal the ownership read calls for, or null. Pure. */
export function ownershipRefusal(
  o: Pick<Ownership, 'foreign' | 'missingNamespaces' | 'reserved'>,
  { bundle, cluster }: { bundle: string; cluster: string },
): ReleaseFailedError | null {
  if (o.reserved.length > 0) {
    return refusal({
      reason: 'ReservedNamespace',
      message: `${cluster}: ${o.reserved.map((r) => r.message).join('; ')}; nothing was applied`,
      objects: o.reserved,
    });
  }
  if (o.foreign.length > 0) {
    const lines = o.foreign.map((f) => f.message);
    return refusal({
      reason: 'ForeignObject',
      message: `${cluster}: ${lines.join('; ')}; nothing was applied`,
      objects: o.foreign.map((f) => ({ ...f })),
    });
  }
  if (o.missingNamespaces.length > 0) {
    const lines = o.missingNamespaces.map(
      (m) => `namespace ${m.namespace} does not exist (needed by ${m.members.join(', ')})`,
    );
    return refusal({
      reason: 'NamespaceMissing',
      message: `${cluster}: ${lines.join('; ')}; create it, ship it in bundle ${bundle} (spec.include a Namespace), or set createNamespace: true on the bundle or its environment; nothing was applied`,
      objects: o.missingNamespaces.map((m) => ({
        ref: `Namespace/${m.namespace}`,
        message: `needed by ${m.members.join(', ')}`,
      })),
    });
  }
  return null;
}
