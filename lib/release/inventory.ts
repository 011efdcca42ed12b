/**
 * The inventory: what a bundle owns in a cluster, kept in the cluster itself
 * (ConfigMap `drover-system/inventory-<bundle>`), so each cluster describes
 * itself and the local database can be rebuilt. While a release runs, the
 * inventory also holds the release in flight (`pending`): the union of old
 * and new members is Drover's during the transition, and after a crash the
 * engine finds both versions here.
 */
import { applyObject } from '../cluster/apply.ts';

import type { Cluster } from '../cluster/cluster.ts';
import { getObject } from '../cluster/get.ts';
import { InvalidInputError } from '../errors/errors.ts';

import type { KubeObject, ObjectId } from '../object/ref.ts';

export const INVENTORY_NAMESPACE = 'drover-system';

export interface InventoryVersion {
  version: string;
  digest: string;
  members: ObjectId[];
}

export interface Inventory {
  bundle: string;
  /** The version the cluster runs whole, or null before the first success. */
  current: InventoryVersion | null;
  /**
   * A release in flight, recorded before its first object is applied, with
   * the protected members (Namespace, CRD, PV, PVC) it found absent and so
   * creates: a rollback removes those only, and only when the policy says
   * `prune.protected`.
   */
  pending: (InventoryVersion & { releaseId: number; startedAt: string; created?: ObjectId[] }) | null;
}

export const inventoryName = (bundle: string) => `inventory-${bundle}`;

/** The inventory ConfigMap for an inventory. Pure. */
export function assembleInventoryObject(inv: Inventory): KubeObject {
  const data: Record<string, string> = { bundle: inv.bundle, current: JSON.stringify(inv.current), pending: JSON.stringify(inv.pending) };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: inventoryName(inv.bundle),
      namespace: INVENTORY_NAMESPACE,
      labels: { 'app.kubernetes.io/managed-by': 'drover', 'drover.dev/inventory': inv.bundle },
    },
    data,
  };
}

/** Reads an inventory ConfigMap back. Pure. */
export function parseInventoryObject(obj: KubeObject, bundle: string): Inventory {
  const data = (obj.data ?? {}) as Record<string, string>;
  try {
    return { bundle, current: JSON.parse(data.current ?? 'null'), pending: JSON.parse(data.pending ?? 'null') };
  } catch (err) {
    throw new InvalidInputError(`ConfigMap/${INVENTORY_NAMESPACE}/${inventoryName(bundle)}: unreadable inventory: ${(err as Error).message}`, { cause: err });
  }
}

export async function readInventory(cluster: Cluster, bundle: string, signal?: AbortSignal): Promise<Inventory> {
  const obj = await getObject(cluster, { apiVersion: 'v1', kind: 'ConfigMap', namespace: INVENTORY_NAMESPACE, name: inventoryName(bundle) }, signal);
  return obj ? parseInventoryObject(obj, bundle) : { bundle, current: null, pending: null };
}

export async function writeInventory(cluster: Cluster, inv: Inventory, signal?: AbortSignal): Promise<void> {
  await ensureInventoryNamespace(cluster, signal);
  await applyObject(cluster, { object: assembleInventoryObject(inv), signal });
}

const ensured = new WeakSet<Cluster>();
async function ensureInventoryNamespace(cluster: Cluster, signal?: AbortSignal): Promise<void> {
  if (ensured.has(cluster)) return;
  await applyObject(cluster, {
    object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: INVENTORY_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'drover' } } },
    signal,
  });
  ensured.add(cluster);
}
