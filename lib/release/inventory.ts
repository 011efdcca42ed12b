/**
 * The inventory: what a bundle holds in a cluster, kept in the cluster itself
 * (ConfigMap `drover-system/inventory-<bundle>`), so each cluster describes
 * itself and the local database can be rebuilt. Besides the version the
 * cluster runs whole (`current`) and any release in flight (`pending`: the
 * union of old and new members is Drover's during the transition, and after
 * a crash the engine finds both versions here), it is the ownership ledger:
 * one entry per object the bundle holds, saying how it came to hold it
 * (ownership is recorded, never inferred from marks the release itself
 * writes). A release records the entries it adds in `pending.entries` before
 * its first write; they join the ledger only when it succeeds, so a rollback
 * knows exactly what it brought.
 *
 * An inventory written before origins existed has no ledger: its members
 * count as created (what Drover assumed then) and show "origin unknown".
 *
 * @example
 *   const inv = await readInventory(cluster, 'web');
 *   entryFor(inv, idOf(cm))?.origin // 'created' | 'adopted' | 'shared' | 'created-kept'
 */
import { applyObject } from '../cluster/apply.ts';

import type { Cluster } from '../cluster/cluster.ts';
import { getObject, listObjects } from '../cluster/get.ts';
import { InvalidInputError } from '../errors/errors.ts';

import { type KubeObject, type ObjectId, refKey } from '../object/ref.ts';
import { isProtectedKind } from './protected-kinds.ts';
import { INVENTORY_LABEL, RESERVED_NAMESPACE } from '../bundle/member-namespaces.ts';

/** Drover's own namespace, reserved (cut refuses members there too: lib/bundle/member-namespaces.ts). */
export const INVENTORY_NAMESPACE = RESERVED_NAMESPACE;

/**
 * How a bundle came to hold an object: `created` (it did not exist; Drover
 * may recreate or delete it), `adopted` (it existed and `spec.adopt` took it
 * over; its prior state is kept; never deleted), `shared` (claimed with
 * other bundles, each with its own field manager), `created-kept` (created
 * by Drover, then let go by its bundle but kept: a protected kind, or
 * `prune.enabled: false`; still listed so a retry does not see it as foreign).
 */
export type Origin = 'created' | 'adopted' | 'shared' | 'created-kept';

export interface InventoryEntry extends ObjectId {
  origin: Origin;
  /** Recorded before origins existed: counted as created, shown as "origin unknown". */
  unknown?: boolean;
  /** adopted: the object in drover-system holding its prior state; absent with `priorUnknown`. */
  prior?: { kind: 'Secret' | 'ConfigMap'; name: string };
  /** adopted: rebuilt without proof of origin or prior state; never deleted, nothing to restore. */
  priorUnknown?: boolean;
  /** shared: Drover created the object (this bundle, or the one it joined), so the last claimer may delete it. */
  createdByDrover?: boolean;
  /** A Namespace the release created because a member needed it (`createNamespace`), not a member itself. */
  implicit?: boolean;
}

export interface InventoryVersion {
  version: string;
  digest: string;
  members: ObjectId[];
}

export interface PendingRelease extends InventoryVersion {
  releaseId: number;
  startedAt: string;
  /** Written by releases before the ledger: protected members the release created. */
  created?: ObjectId[];
  /** Ledger entries this release adds (objects it creates, adopts or joins), recorded before its first write. */
  entries?: InventoryEntry[];
}

export interface Inventory {
  bundle: string;
  /** The version the cluster runs whole, or null before the first success. */
  current: InventoryVersion | null;
  pending: PendingRelease | null;
  /** The ownership ledger as of `current` (entries of a release in flight are in `pending.entries`). */
  entries: InventoryEntry[];
  /** False when no inventory ConfigMap exists on the cluster. */
  exists: boolean;
}

export const inventoryName = (bundle: string) => `inventory-${bundle}`;

/** An empty inventory: nothing recorded (the ConfigMap does not exist). */
export const emptyInventory = (bundle: string): Inventory => ({
  bundle,
  current: null,
  pending: null,
  entries: [],
  exists: false,
});

/** The inventory ConfigMap for an inventory. Pure. */
export function assembleInventoryObject(inv: Inventory): KubeObject {
  const data: Record<string, string> = {
    bundle: inv.bundle,
    current: JSON.stringify(inv.current),
    pending: JSON.stringify(inv.pending),
    entries: JSON.stringify(inv.entries),
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: inventoryName(inv.bundle),
      namespace: INVENTORY_NAMESPACE,
      labels: { 'app.kubernetes.io/managed-by': 'drover', [INVENTORY_LABEL]: inv.bundle },
    },
    data,
  };
}

const ORIGINS: readonly string[] = ['created', 'adopted', 'shared', 'created-kept'];

function isEntry(e: unknown): e is InventoryEntry {
  const x = e as Record<string, unknown> | null;
  return (
    !!x &&
    typeof x === 'object' &&
    ['apiVersion', 'kind', 'namespace', 'name'].every((k) => typeof x[k] === 'string') &&
    ORIGINS.includes(x.origin as string)
  );
}

/** Reads an inventory ConfigMap back. Pure. An inventory without a ledger (written before origins) gets one: every member created, origin unknown. */
export function parseInventoryObject(obj: KubeObject, bundle: string): Inventory {
  const data = (obj.data ?? {}) as Record<string, string>;
  const where = `ConfigMap/${INVENTORY_NAMESPACE}/${inventoryName(bundle)}`;
  let inv: Inventory;
  try {
    inv = {
      bundle,
      current: JSON.parse(data.current ?? 'null'),
      pending: JSON.parse(data.pending ?? 'null'),
      entries: data.entries === undefined ? [] : JSON.parse(data.entries),
      exists: true,
    };
  } catch (err) {
    throw new InvalidInputError(`${where}: unreadable inventory: ${(err as Error).message}`, {
      cause: err,
      data: { reason: 'InventoryUnreadable', bundle },
    });
  }
  if (!Array.isArray(inv.entries) || !inv.entries.every(isEntry))
    throw new InvalidInputError(`${where}: unreadable inventory: its entries are malformed`, {
      data: { reason: 'InventoryUnreadable', bundle },
    });
  if (data.entries === undefined) {
    const seen = new Set<string>();
    for (const m of [...(inv.current?.members ?? []), ...(inv.pending?.members ?? [])]) {
      const key = refKey(m);
      if (seen.has(key)) continue;
      seen.add(key);
      // Members of a release in flight were not yet the bundle's before that release: they stay in the pending part.
      if (!inv.current?.members.some((c) => refKey(c) === key)) continue;
      inv.entries.push({
        apiVersion: m.apiVersion,
        kind: m.kind,
        namespace: m.namespace,
        name: m.name,
        origin: 'created',
        unknown: true,
      });
    }
  }
  return inv;
}

/** The ledger entry for an object: the committed one, else one the release in flight added. Pure. */
export function entryFor(inv: Inventory, id: ObjectId): InventoryEntry | undefined {
  const key = refKey(id);
  return inv.entries.find((e) => refKey(e) === key) ?? pendingEntries(inv).find((e) => refKey(e) === key);
}

/**
 * The entries a release in flight added. A release written before the ledger
 * recorded only the protected members it created; its other new members
 * count as created (what Drover assumed then), origin unknown.
 */
export function pendingEntries(inv: Inventory): InventoryEntry[] {
  const p = inv.pending;
  if (!p) return [];
  if (p.entries) return p.entries;
  const known = new Set(inv.entries.map(refKey));
  const created = new Set((p.created ?? []).map(refKey));
  return p.members
    .filter((m) => !known.has(refKey(m)))
    .map((m): InventoryEntry => {
      const id = { apiVersion: m.apiVersion, kind: m.kind, namespace: m.namespace, name: m.name };
      // Such a release recorded which protected members it created; one it did not record existed before it: never deleted.
      return isProtectedKind(m.kind) && !created.has(refKey(m))
        ? { ...id, origin: 'adopted', priorUnknown: true, unknown: true }
        : { ...id, origin: 'created', unknown: true };
    });
}

/** Whether the bundle holds anything on the cluster by this inventory. Pure. */
export const holdsAnything = (inv: Inventory): boolean =>
  inv.entries.length > 0 || (inv.current?.members.length ?? 0) > 0 || inv.pending !== null;

export async function readInventory(cluster: Cluster, bundle: string, signal?: AbortSignal): Promise<Inventory> {
  const obj = await getObject(
    cluster,
    { apiVersion: 'v1', kind: 'ConfigMap', namespace: INVENTORY_NAMESPACE, name: inventoryName(bundle) },
    signal,
  );
  return obj ? parseInventoryObject(obj, bundle) : emptyInventory(bundle);
}

/** Every bundle's inventory on the cluster (one LIST); an unreadable one is left out. */
export async function listInventories(cluster: Cluster, signal?: AbortSignal): Promise<Inventory[]> {
  const { items } = await listObjects(cluster, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: INVENTORY_NAMESPACE,
    labelSelector: INVENTORY_LABEL,
    signal,
  });
  const out: Inventory[] = [];
  for (const o of items) {
    const bundle = o.metadata.labels?.[INVENTORY_LABEL];
    if (!bundle || o.metadata.name !== inventoryName(bundle)) continue;
    try {
      out.push(parseInventoryObject(o, bundle));
    } catch {
      // Another bundle's unreadable inventory is that bundle's problem; its own releases refuse on it.
    }
  }
  return out;
}

/** Other bundles' ledger entries (and those of their releases in flight), by object key. Pure. */
export function claimsOf(
  inventories: readonly Inventory[],
  bundle: string,
): Map<string, { bundle: string; entry: InventoryEntry }[]> {
  const out = new Map<string, { bundle: string; entry: InventoryEntry }[]>();
  for (const inv of inventories) {
    if (inv.bundle === bundle) continue;
    for (const entry of [...inv.entries, ...pendingEntries(inv)]) {
      const key = refKey(entry);
      out.set(key, [...(out.get(key) ?? []), { bundle: inv.bundle, entry }]);
    }
  }
  return out;
}

export async function writeInventory(
  cluster: Cluster,
  inv: Omit<Inventory, 'exists'> & { exists?: boolean },
  signal?: AbortSignal,
): Promise<void> {
  await ensureInventoryNamespace(cluster, signal);
  await applyObject(cluster, { object: assembleInventoryObject({ ...inv, exists: true }), signal });
}

const ensured = new WeakSet<Cluster>();
async function ensureInventoryNamespace(cluster: Cluster, signal?: AbortSignal): Promise<void> {
  if (ensured.has(cluster)) return;
  await applyObject(cluster, {
    object: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: INVENTORY_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'drover' } },
    },
    signal,
  });
  ensured.add(cluster);
}
