/**
 * Restores the previous version of a bundle on one cluster, as a whole:
 * re-apply its members (recreating any the failed release pruned), and let go
 * of what the failed release added by its recorded entries (inventory.ts
 * `pending.entries`): an object it created is deleted (a protected one kept
 * unless `prune.protected`, and then recorded created-kept), an object it
 * adopted gets its prior state back (prior-state.ts), one it joined as shared
 * loses only this bundle's fields. Nothing the failed release did not bring
 * is ever deleted. Then health is verified again and the inventory put back.
 * A failed rollback is recorded as rollback-failed and reported loudly; it is
 * never retried in a loop.
 */
import { type BundlePolicy, resolvePolicy } from '../bundle/policy.ts';
import { RollbackFailedError, toDroverError, UnavailableError } from '../errors/errors.ts';

import { idOf, type KubeObject, keyOf, refKey } from '../object/ref.ts';
import { recordStep, type ReleaseRecord } from '../state/releases.ts';

import { applyMembers } from './apply-members.ts';
import { appliedObjects, assembleChangeSet, summarizeChangeSet } from './change-set.ts';

import {
  claimsOf,
  type Inventory,
  type InventoryEntry,
  listInventories,
  pendingEntries,
  writeInventory,
} from './inventory.ts';
import { deletePriorHolders, letGoEntries } from './let-go.ts';
import { managerOf } from './ownership.ts';
import { markedMembers } from './read-ownership.ts';

import { withoutDelegatedFields } from '../object/delegated.ts';

import { assemblePlan, ledgerAfter, type PlanEntry, summarizePlan } from './plan.ts';
import { mapLimit } from '../foundation/map-limit.ts';

import { keptObjects, pruneEntries } from './prune.ts';

import { readLive } from './read-live.ts';

import { releasePolicy, type ReleaseOptions } from './release-options.ts';
import type { VersionContent } from '../bundle/version-content.ts';

import { verifyHealth } from './verify.ts';

export interface RollbackOptions extends ReleaseOptions {
  release: ReleaseRecord;
  /**
   * The inventory with the failed release in flight: `current` is what the
   * cluster ran whole before (null when this was the first release), the
   * ledger what the bundle held then, `pending.entries` what the failed
   * release added.
   */
  inventory: Inventory;
  /** The previous version's content when the caller already has it (fetched before the release started). */
  previousContent?: VersionContent | null;
}

export async function rollbackRelease(opts: RollbackOptions): Promise<void> {
  const { db, cluster, release, inventory } = opts;
  const previous = inventory.current;
  // The failed version's policy decides what of it may be removed: it is the bundle's word on the objects that version brought.
  const policy = releasePolicy(opts);
  recordStep(db, release.id, {
    state: 'rolling-back',
    message: previous
      ? `restoring ${release.bundle}@${previous.version} on ${cluster.name}`
      : `removing ${release.bundle}@${release.version} from ${cluster.name} (no previous version)`,
  });
  try {
    const plan = await readRestorePlan(opts, policy);
    await applyRestore(opts, { plan, policy });
  } catch (err) {
    failRollback(opts, err);
  }
}

/**
 * What restoring the previous version takes: its members as they were
 * applied (each held by its old ledger entry, or by what the failed release
 * added), and what the failed release added that the previous version does
 * not have, to let go. No dry run: every existing member is re-applied as it
 * was, every missing one recreated.
 */
async function readRestorePlan(opts: RollbackOptions, policy: BundlePolicy): Promise<PlanEntry[]> {
  const { cluster, release, inventory, signal, concurrency = 16 } = opts;
  const previous = inventory.current;
  const bundle = release.bundle;
  const content = previous ? (opts.previousContent ?? (await opts.loadVersion(previous))) : null;
  const prepare = opts.prepare ?? (async (o: KubeObject) => o);
  const members = content ? await mapLimit(withoutDelegatedFields(content.members), concurrency, prepare) : [];
  const desired = markedMembers({ bundle, members, policy: resolvePolicy(content?.policy) });
  const { entries, letGo } = assembleRestoreEntries({ desired, inventory });
  const live = await readLive(cluster, [...desired.map(idOf), ...letGo], concurrency, signal);
  const claims = letGo.some((e) => live.get(refKey(e)))
    ? claimsOf(await listInventories(cluster, signal), bundle)
    : new Map();
  // No dry run: every existing member is re-applied as it was, every missing one recreated.
  return assemblePlan({
    desired,
    live,
    dryRun: new Map(),
    entries,
    held: letGo,
    claims,
    policy,
    mode: 'rollback',
  });
}

/**
 * The entry each restored member is held by (its ledger entry from before,
 * else the one the failed release added, else `created` with its origin
 * unknown), and what the failed release added that the previous version
 * does not have. Pure.
 */
export function assembleRestoreEntries({
  desired,
  inventory,
}: {
  desired: readonly KubeObject[];
  inventory: Inventory;
}): { entries: Map<string, InventoryEntry>; letGo: InventoryEntry[] } {
  const ledger = new Map(inventory.entries.map((e) => [refKey(e), e]));
  const added = pendingEntries(inventory);
  const entries = new Map<string, InventoryEntry>();
  for (const o of desired) {
    const key = keyOf(o);
    const id = idOf(o);
    entries.set(
      key,
      ledger.get(key) ?? added.find((e) => refKey(e) === key) ?? { ...id, origin: 'created', unknown: true },
    );
  }
  const letGo = added.filter((e) => !entries.has(refKey(e)));
  return { entries, letGo };
}

/**
 * The restore itself: members re-applied, what the failed release brought
 * pruned or let go, health verified, the inventory put back, and the journal
 * told what was restored and kept.
 */
async function applyRestore(
  opts: RollbackOptions,
  { plan, policy }: { plan: PlanEntry[]; policy: BundlePolicy },
): Promise<void> {
  const { db, cluster, release, inventory, signal, onEvent = () => {}, concurrency = 16 } = opts;
  const previous = inventory.current;
  const bundle = release.bundle;
  // Going back across an immutable change (e.g. a Deployment selector) needs a recreate to restore the old object (only objects Drover created).
  const applied = await applyMembers({
    cluster,
    entries: plan,
    manager: managerOf(bundle),
    recreateOnImmutable: true,
    concurrency,
    onEvent,
    signal,
  });
  const pruned = await pruneEntries(cluster, plan, { propagation: policy.prune.propagationPolicy, signal, onEvent });
  const lettings = await letGoEntries(cluster, plan, { bundle, concurrency, signal, onEvent });
  const changes = assembleChangeSet({ plan, applied, deleted: pruned, letGo: lettings });
  const kept = keptObjects(plan);
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  const restored = appliedObjects(changes);
  const verdict = restored.length
    ? await verifyHealth(cluster, { members: restored, deadline, signal, onEvent })
    : { ok: true as const };
  if (!verdict.ok)
    throw new RollbackFailedError(`previous version is not healthy either: ${verdict.message}`, {
      data: { ref: verdict.ref, reason: verdict.reason },
    });
  // The ledger as it was, plus what the failed release created and had to keep (created-kept: a retry must not find it foreign).
  await writeInventory(
    cluster,
    { bundle, current: previous, pending: null, entries: ledgerAfter(plan, inventory.entries) },
    signal,
  );
  await deletePriorHolders(cluster, plan, signal);
  const restoredPrior = lettings.filter((l) => l.action === 'restored').map((l) => l.ref);
  recordStep(db, release.id, {
    state: 'rolled-back',
    message: `${previous ? `${bundle}@${previous.version} restored on ${cluster.name}` : `${bundle} removed from ${cluster.name}`}${restoredPrior.length ? `; put back as they were before adoption: ${restoredPrior.join(', ')}` : ''}${kept.length ? `; kept ${kept.map((k) => `${k.ref} (${k.reason})`).join(', ')}` : ''}`,
    data: {
      plan: summarizePlan(plan),
      changes: summarizeChangeSet(changes),
      deleted: pruned,
      kept,
      restored: restoredPrior,
    },
  });
  onEvent({
    phase: 'rollback',
    subject: cluster.name,
    level: 'warn',
    message: previous ? `restored ${bundle}@${previous.version}` : `removed ${bundle}`,
  });
}

/**
 * A rollback that did not finish, journaled and thrown. With the cluster
 * unreachable it is deferred, not failed: the release stays in flight for
 * recovery. Anything else is rollback-failed, reported loudly and never
 * retried in a loop. While shutting down the error is rethrown as it is.
 */
function failRollback(opts: RollbackOptions, err: unknown): never {
  const { db, cluster, release, signal, onEvent = () => {} } = opts;
  const bundle = release.bundle;
  if (signal?.aborted) throw err;
  const e = toDroverError(err);
  if (e.data.dependency === 'cluster') {
    // The API server does not answer: nothing can be restored now, and nothing is final. The release stays unfinished
    // (its inventory still records it in flight), so recovery restores one whole version once the cluster answers.
    recordStep(db, release.id, {
      state: 'rolling-back',
      message: `${cluster.name} is unreachable (${e.message}); the restore resumes when it answers`,
      reason: 'ClusterUnreachable',
    });
    onEvent({
      phase: 'rollback',
      subject: cluster.name,
      level: 'error',
      message: `cluster unreachable, restore deferred: ${e.message}`,
    });
    throw new UnavailableError(
      `${bundle} on ${cluster.name}: the cluster became unreachable during the release; it is restored to one whole version once it answers: ${e.message}`,
      {
        data: {
          bundle,
          cluster: cluster.name,
          releaseId: release.id,
          dependency: 'cluster',
          reason: 'ClusterUnreachable',
        },
        cause: err,
      },
    );
  }
  recordStep(db, release.id, {
    state: 'rollback-failed',
    message: `ROLLBACK FAILED on ${cluster.name}: ${e.message}`,
    reason: e.code,
  });
  onEvent({ phase: 'rollback', subject: cluster.name, level: 'error', message: `ROLLBACK FAILED: ${e.message}` });
  throw new RollbackFailedError(
    `${bundle} on ${cluster.name}: rollback failed, the cluster needs attention: ${e.message}`,
    {
      data: { bundle, cluster: cluster.name, releaseId: release.id },
      cause: err,
    },
  );
}
