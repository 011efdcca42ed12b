/**
 * Retiring a bundle from one cluster: deleting on purpose everything its
 * inventory owns there, and then the inventory itself, so the cluster no
 * longer runs the bundle. Only what the ledger says Drover created, no other
 * bundle still claims and has no ownerReferences is deleted (ownership.ts
 * `dropVerdict`), in reverse apply order; adopted and shared objects are
 * released (this bundle's field manager and marks removed, values kept); Namespaces, CRDs, PVs and PVCs stay
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
import { runningOf } from './environment-run.ts';
import { beginRelease, getRelease, lastRelease, recordStep, type ReleaseRecord } from '../state/releases.ts';
import {
  claimsOf,
  INVENTORY_NAMESPACE,
  inventoryName,
  listInventories,
  pendingEntries,
  readInventory,
} from './inventory.ts';
import { deletePriorHolders, letGoEntries } from './let-go.ts';
import { refKey } from '../object/ref.ts';
import { inventoryMissing } from './refusal.ts';
import { assemblePlan, type PlanEntry } from './plan.ts';
import { keptObjects, pruneEntries } from './prune.ts';
import { readLive } from './read-live.ts';
import { engineIdentity, isHolderDead, LEASE_TTL_MS } from './lease-holder.ts';

export interface ClusterRetireOptions {
  cluster: Cluster;
  bundle: string;
  /** The policy of the version the cluster runs (by its digest), from the state or the registry. */
  loadPolicy: (v: { version: string; digest: string }) => Promise<StoredPolicy | undefined>;
  /** What the journal says the cluster runs: with the inventory missing, retiring refuses rather than delete nothing knowingly. */
  running?: { version: string; digest: string } | null;
  signal?: AbortSignal;
}

export interface ClusterRetirePlan {
  cluster: string;
  /** The version the cluster runs whole, or the release in flight it holds; null when it runs nothing of the bundle. */
  running: { version: string; digest: string } | null;
  delete: string[];
  /** Objects the bundle lets go without deleting (adopted, shared, still claimed by another bundle). */
  letGo: { ref: string; reason: string }[];
  keep: { ref: string; reason: string }[];
}

export interface ClusterRetireOutcome extends ClusterRetirePlan {
  state: 'retired' | 'absent' | 'failed';
  release?: ReleaseRecord;
  message: string;
}

async function assembleRetire({
  cluster,
  bundle,
  loadPolicy,
  running: journal,
  signal,
}: ClusterRetireOptions): Promise<{ plan: PlanEntry[]; policy: BundlePolicy; retirePlan: ClusterRetirePlan }> {
  const inv = await readInventory(cluster, bundle, signal);
  if (!inv.exists && journal) throw inventoryMissing({ bundle, cluster: cluster.name, running: journal });
  const running = inv.current ?? inv.pending;
  const held = [...new Map([...inv.entries, ...pendingEntries(inv)].map((e) => [refKey(e), e])).values()];
  const policy = resolvePolicy(running ? await loadPolicy(running) : undefined);
  const live = held.length ? await readLive(cluster, held, 16, signal) : new Map();
  const claims = held.some((e) => live.get(refKey(e)))
    ? claimsOf(await listInventories(cluster, signal), bundle)
    : new Map();
  const plan = assemblePlan({ desired: [], live, dryRun: new Map(), held, claims, policy, mode: 'retire' });
  return {
    plan,
    policy,
    retirePlan: {
      cluster: cluster.name,
      running: running ? { version: running.version, digest: running.digest } : null,
      delete: plan.filter((e) => e.action === 'prune').map((e) => e.ref),
      letGo: plan.filter((e) => e.action === 'release').map((e) => ({ ref: e.ref, reason: e.reason ?? 'released' })),
      keep: keptObjects(plan),
    },
  };
}

/** What retiring would delete and keep on this cluster. Reads only. */
export async function planRetireFromCluster(opts: ClusterRetireOptions): Promise<ClusterRetirePlan> {
  return (await assembleRetire(opts)).retirePlan;
}

type RetireFromClusterOptions = ClusterRetireOptions & { db: StateDb; environment?: string; onEvent?: OnEvent };

export async function retireFromCluster(opts: RetireFromClusterOptions): Promise<ClusterRetireOutcome> {
  const { db, cluster, bundle } = opts;
  const lease = acquireLease(db, {
    bundle,
    cluster: cluster.name,
    holder: engineIdentity(),
    ttlMs: LEASE_TTL_MS,
    isHolderDead,
  });
  try {
    const journal =
      opts.running !== undefined ? opts.running : (runningOf(lastRelease(db, bundle, cluster.name)) ?? null);
    const assembled = await readRetireUnlessRefused(opts, journal);
    if ('state' in assembled) return assembled;
    const { plan, policy, retirePlan } = assembled;
    if (!retirePlan.running)
      return { ...retirePlan, state: 'absent', message: `${cluster.name} runs nothing of ${bundle}` };
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
    return await applyRetire(opts, { rel, plan, policy, retirePlan });
  } finally {
    releaseLease(db, lease);
  }
}

/** What retiring takes here, or, with the inventory gone while the journal says a version runs, the failed outcome that refuses it. */
async function readRetireUnlessRefused(
  opts: RetireFromClusterOptions,
  journal: { version: string; digest: string } | null,
): Promise<Awaited<ReturnType<typeof assembleRetire>> | ClusterRetireOutcome> {
  const { cluster, onEvent = () => {} } = opts;
  try {
    return await assembleRetire({ ...opts, running: journal });
  } catch (err) {
    const e = toDroverError(err);
    if (e.data.reason !== 'InventoryMissing') throw err;
    onEvent({
      phase: 'retire',
      subject: cluster.name,
      level: 'error',
      message: e.message,
      reason: 'InventoryMissing',
    });
    return {
      cluster: cluster.name,
      running: journal,
      delete: [],
      letGo: [],
      keep: [],
      state: 'failed',
      message: e.message,
    };
  }
}

/**
 * The retirement, journaled as release `rel`: what the ledger says Drover
 * created deleted, the rest let go, then the inventory itself deleted. A
 * failure stops it with the inventory kept, listing what is left for the
 * next attempt.
 */
async function applyRetire(
  opts: RetireFromClusterOptions,
  {
    rel,
    plan,
    policy,
    retirePlan,
  }: { rel: ReleaseRecord; plan: PlanEntry[]; policy: BundlePolicy; retirePlan: ClusterRetirePlan },
): Promise<ClusterRetireOutcome> {
  const { db, cluster, bundle, signal, onEvent = () => {} } = opts;
  try {
    recordStep(db, rel.id, {
      state: 'applying',
      message: `deleting ${retirePlan.delete.length} object(s), keeping ${retirePlan.keep.length}`,
      data: { delete: retirePlan.delete, keep: retirePlan.keep },
    });
    const deleted = await pruneEntries(cluster, plan, {
      propagation: policy.prune.propagationPolicy,
      signal,
      onEvent,
    });
    await letGoEntries(cluster, plan, { bundle, signal, onEvent });
    await deletePriorHolders(cluster, plan, signal);
    await deleteObject(cluster, {
      ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: INVENTORY_NAMESPACE, name: inventoryName(bundle) },
      signal,
    });
    const kept = retirePlan.keep;
    const released = retirePlan.letGo.length
      ? `; released ${retirePlan.letGo.map((r) => `${r.ref} (${r.reason})`).join(', ')}`
      : '';
    const message = `${bundle} retired from ${cluster.name}: deleted ${deleted.length} object(s)${released}${kept.length ? `; kept ${kept.map((k) => `${k.ref} (${k.reason})`).join(', ')}` : ''}`;
    recordStep(db, rel.id, { state: 'succeeded', message, data: { deleted, kept, released: retirePlan.letGo } });
    onEvent({ phase: 'retire', subject: cluster.name, message });
    return { ...retirePlan, delete: deleted, state: 'retired', release: getRelease(db, rel.id)!, message };
  } catch (err) {
    if (signal?.aborted) throw err;
    const e = toDroverError(err);
    recordStep(db, rel.id, {
      state: 'failed',
      message: `retire of ${bundle} from ${cluster.name} stopped: ${e.message}; what was deleted stays deleted, and retiring again finishes it`,
      reason: e.code,
      ...(typeof e.data.ref === 'string' ? { failedObject: e.data.ref } : {}),
    });
    onEvent({ phase: 'retire', subject: cluster.name, level: 'error', message: e.message });
    // The inventory was not deleted: it still lists what is left, for the next attempt.
    return { ...retirePlan, state: 'failed', release: getRelease(db, rel.id)!, message: e.message };
  }
}
