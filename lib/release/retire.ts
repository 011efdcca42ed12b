/**
 * Retiring a bundle from one cluster: deleting on purpose everything its
 * inventory owns there, and then the inventory itself, so the cluster no
 * longer runs the bundle. Only what the inventory lists, still marked as the
 * bundle's, without ownerReferences, is deleted (the prune rules of
 * ownership.ts), in reverse apply order; Namespaces, CRDs, PVs and PVCs stay
 * and are reported unless the policy of the version the cluster runs says
 * `prune.protected`. The retirement is journaled like a release (kind
 * `retire`) under the same lease; the version history in the registry is
 * not touched. `planRetireFromCluster` answers what would happen, writing
 * nothing, for the confirmation a person is asked first.
 *
 * @example
 *   const r = await retireFromCluster({ db, cluster, bundle: 'web', loadPolicy });
 *   r.deleted // ['Deployment/shop/web', 'ConfigMap/shop/web-config', ...]
 */
import { type BundlePolicy, resolvePolicy, type StoredPolicy } from '../bundle/policy.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { deleteObject } from '../cluster/delete.ts';
import { toDroverError } from '../errors/errors.ts';
import type { OnEvent } from '../progress.ts';
import { acquireLease, releaseLease } from '../state/leases.ts';
import type { StateDb } from '../state/open.ts';
import { beginRelease, getRelease, recordStep, type ReleaseRecord } from '../state/releases.ts';
import { INVENTORY_NAMESPACE, inventoryName, readInventory } from './inventory.ts';
import { assemblePlan, type PlanEntry } from './plan.ts';
import { keptObjects, pruneEntries } from './prune.ts';
import { readLive } from './read-live.ts';
import { engineIdentity, isHolderDead, LEASE_TTL_MS } from './lease-holder.ts';

export interface RetireOptions {
  cluster: Cluster;
  bundle: string;
  /** The policy of the version the cluster runs (by its digest), from the state or the registry. */
  loadPolicy: (v: { version: string; digest: string }) => Promise<StoredPolicy | undefined>;
  signal?: AbortSignal;
}

export interface RetirePlan {
  cluster: string;
  /** The version the cluster runs whole, or the release in flight it holds; null when it runs nothing of the bundle. */
  running: { version: string; digest: string } | null;
  delete: string[];
  keep: { ref: string; reason: string }[];
}

export interface RetireOutcome extends RetirePlan {
  state: 'retired' | 'absent' | 'failed';
  release?: ReleaseRecord;
  message: string;
}

async function assembleRetire({ cluster, bundle, loadPolicy, signal }: RetireOptions): Promise<{ plan: PlanEntry[]; policy: BundlePolicy; retirePlan: RetirePlan }> {
  const inv = await readInventory(cluster, bundle, signal);
  const running = inv.current ?? inv.pending;
  const owned = [...(inv.current?.members ?? []), ...(inv.pending?.members ?? [])];
  const policy = resolvePolicy(running ? await loadPolicy(running) : undefined);
  const live = owned.length ? await readLive(cluster, owned, 16, signal) : new Map();
  const plan = assemblePlan({ bundle, desired: [], live, dryRun: new Map(), owned, policy, mode: 'retire' });
  return {
    plan,
    policy,
    retirePlan: { cluster: cluster.name, running: running ? { version: running.version, digest: running.digest } : null, delete: plan.filter((e) => e.action === 'prune').map((e) => e.ref), keep: keptObjects(plan) },
  };
}

/** What retiring would delete and keep on this cluster. Reads only. */
export async function planRetireFromCluster(opts: RetireOptions): Promise<RetirePlan> {
  return (await assembleRetire(opts)).retirePlan;
}

export async function retireFromCluster(opts: RetireOptions & { db: StateDb; environment?: string; onEvent?: OnEvent }): Promise<RetireOutcome> {
  const { db, cluster, bundle, signal, onEvent = () => {} } = opts;
  const lease = acquireLease(db, { bundle, cluster: cluster.name, holder: engineIdentity(), ttlMs: LEASE_TTL_MS, isHolderDead });
  try {
    const { plan, policy, retirePlan } = await assembleRetire(opts);
    if (!retirePlan.running) return { ...retirePlan, state: 'absent', message: `${cluster.name} runs nothing of ${bundle}` };
    const rel = beginRelease(db, {
      kind: 'retire',
      bundle,
      cluster: cluster.name,
      version: retirePlan.running.version,
      digest: retirePlan.running.digest,
      fromVersion: retirePlan.running.version,
      fromDigest: retirePlan.running.digest,
      ...(opts.environment ? { environment: opts.environment } : {}),
    });
    try {
      recordStep(db, rel.id, { state: 'applying', message: `deleting ${retirePlan.delete.length} object(s), keeping ${retirePlan.keep.length}`, data: { delete: retirePlan.delete, keep: retirePlan.keep } });
      const deleted = await pruneEntries(cluster, plan, { propagation: policy.prune.propagationPolicy, signal, onEvent });
      await deleteObject(cluster, { ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: INVENTORY_NAMESPACE, name: inventoryName(bundle) }, signal });
      const kept = retirePlan.keep;
      const message = `${bundle} retired from ${cluster.name}: deleted ${deleted.length} object(s)${kept.length ? `; kept ${kept.map((k) => `${k.ref} (${k.reason})`).join(', ')}` : ''}`;
      recordStep(db, rel.id, { state: 'succeeded', message, data: { deleted, kept } });
      onEvent({ phase: 'retire', subject: cluster.name, message });
      return { ...retirePlan, delete: deleted, state: 'retired', release: getRelease(db, rel.id)!, message };
    } catch (err) {
      if (signal?.aborted) throw err;
      const e = toDroverError(err);
      recordStep(db, rel.id, { state: 'failed', message: `retire of ${bundle} from ${cluster.name} stopped: ${e.message}; what was deleted stays deleted, and retiring again finishes it`, reason: e.code, ...(typeof e.data.ref === 'string' ? { failedObject: e.data.ref } : {}) });
      onEvent({ phase: 'retire', subject: cluster.name, level: 'error', message: e.message });
      // The inventory was not deleted: it still lists what is left, for the next attempt.
      return { ...retirePlan, state: 'failed', release: getRelease(db, rel.id)!, message: e.message };
    }
  } finally {
    releaseLease(db, lease);
  }
}
