/**
 * Restores the previous version of a bundle on one cluster, as a whole:
 * re-apply its members (recreating any the failed release pruned), delete the
 * members the failed release created, verify health again, and put the
 * inventory back. A failed rollback is recorded as rollback-failed and
 * reported loudly; it is never retried in a loop.
 */
import { RollbackFailedError, toDroverError, UnavailableError } from '../errors/errors.ts';

import { idOf, type KubeObject, type ObjectId, refKey } from '../object/ref.ts';
import { recordStep, type ReleaseRecord } from '../state/releases.ts';

import { applyMembers } from './apply-members.ts';
import { appliedObjects, assembleChangeSet, summarizeChangeSet } from './change-set.ts';

import { type InventoryVersion, writeInventory } from './inventory.ts';
import { withOwnership } from './ownership.ts';

import { withoutDelegatedFields } from '../object/delegated.ts';

import { assemblePlan, summarizePlan } from './plan.ts';
import { mapLimit } from './pool.ts';

import { keptObjects, pruneEntries } from './prune.ts';

import { readLive } from './read-live.ts';

import { releasePolicy, type ReleaseOptions, type VersionContent } from './release-options.ts';

import { verifyHealth } from './verify.ts';


export interface RollbackOptions extends ReleaseOptions {
  release: ReleaseRecord;
  /** Members the failed release may have written (its own, and any earlier release in flight). */
  failedMembers: ObjectId[];
  /** Protected members (Namespace, CRD, PV, PVC) the failed release created; removed only under `prune.protected`. */
  created?: ObjectId[];
  /** What the cluster ran whole before, or null when this was the first release. */
  previous: InventoryVersion | null;
  /** The previous version's content when the caller already has it (fetched before the release started). */
  previousContent?: VersionContent | null;
}

export async function rollbackRelease(opts: RollbackOptions): Promise<void> {
  const { db, cluster, release, previous, signal, onEvent = () => {}, concurrency = 16 } = opts;
  // The failed version's policy decides what of it may be removed: it is the bundle's word on the objects that version brought.
  const policy = releasePolicy(opts);
  const bundle = release.bundle;
  recordStep(db, release.id, {
    state: 'rolling-back',
    message: previous ? `restoring ${bundle}@${previous.version} on ${cluster.name}` : `removing ${bundle}@${release.version} from ${cluster.name} (no previous version)`,
  });
  try {
    const content = previous ? (opts.previousContent ?? (await opts.loadVersion(previous))) : null;
    const prepare = opts.prepare ?? (async (o: KubeObject) => o);
    const desired = content ? await mapLimit(withoutDelegatedFields(content.members), concurrency, async (m) => withOwnership(await prepare(m), bundle)) : [];
    const owned = [...opts.failedMembers, ...(previous?.members ?? [])];
    const live = await readLive(cluster, [...desired.map(idOf), ...owned], concurrency, signal);
    // No dry run: every existing member is re-applied as it was, every missing one recreated.
    const plan = assemblePlan({ bundle, desired, live, dryRun: new Map(), owned, policy, mode: 'rollback', created: new Set((opts.created ?? []).map(refKey)) });
    // Going back across an immutable change (e.g. a Deployment selector) needs a recreate to restore the old object.
    const applied = await applyMembers({ cluster, entries: plan, recreateOnImmutable: true, concurrency, onEvent, signal });
    const pruned = await pruneEntries(cluster, plan, { propagation: policy.prune.propagationPolicy, signal, onEvent });
    const changes = assembleChangeSet({ plan, applied, deleted: pruned });
    const kept = keptObjects(plan);
    const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
    const restored = appliedObjects(changes);
    const verdict = restored.length ? await verifyHealth(cluster, { members: restored, deadline, signal, onEvent }) : { ok: true as const };
    if (!verdict.ok) throw new RollbackFailedError(`previous version is not healthy either: ${verdict.message}`, { data: { ref: verdict.ref, reason: verdict.reason } });
    await writeInventory(cluster, { bundle, current: previous, pending: null }, signal);
    recordStep(db, release.id, {
      state: 'rolled-back',
      message: `${previous ? `${bundle}@${previous.version} restored on ${cluster.name}` : `${bundle} removed from ${cluster.name}`}${kept.length ? `; kept ${kept.map((k) => `${k.ref} (${k.reason})`).join(', ')}` : ''}`,
      data: { plan: summarizePlan(plan), changes: summarizeChangeSet(changes), deleted: pruned, kept },
    });
    onEvent({ phase: 'rollback', subject: cluster.name, level: 'warn', message: previous ? `restored ${bundle}@${previous.version}` : `removed ${bundle}` });
  } catch (err) {
    if (signal?.aborted) throw err;
    const e = toDroverError(err);
    if (e.data.dependency === 'cluster') {
      // The API server does not answer: nothing can be restored now, and nothing is final. The release stays unfinished
      // (its inventory still records it in flight), so recovery restores one whole version once the cluster answers.
      recordStep(db, release.id, { state: 'rolling-back', message: `${cluster.name} is unreachable (${e.message}); the restore resumes when it answers`, reason: 'ClusterUnreachable' });
      onEvent({ phase: 'rollback', subject: cluster.name, level: 'error', message: `cluster unreachable, restore deferred: ${e.message}` });
      throw new UnavailableError(`${bundle} on ${cluster.name}: the cluster became unreachable during the release; it is restored to one whole version once it answers: ${e.message}`, {
        data: { bundle, cluster: cluster.name, releaseId: release.id, dependency: 'cluster', reason: 'ClusterUnreachable' },
        cause: err,
      });
    }
    recordStep(db, release.id, { state: 'rollback-failed', message: `ROLLBACK FAILED on ${cluster.name}: ${e.message}`, reason: e.code });
    onEvent({ phase: 'rollback', subject: cluster.name, level: 'error', message: `ROLLBACK FAILED: ${e.message}` });
    throw new RollbackFailedError(`${bundle} on ${cluster.name}: rollback failed, the cluster needs attention: ${e.message}`, {
      data: { bundle, cluster: cluster.name, releaseId: release.id },
      cause: err,
    });
  }
}
