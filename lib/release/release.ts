/**
 * Releases one bundle version to one cluster, whole, in two phases as Flux's
 * engine does (fluxcd/pkg ssa ApplyAllStaged). Phase 1, only when the bundle
 * ships definitions (Namespaces, CRDs: the `definitions` stage of
 * lib/object/order.ts): dry-run them, apply them for real, and wait until the
 * Namespaces are Active, the CRDs Established and discovery serves the new
 * kinds, since nothing that lives in them can even be dry-run before. Phase 2:
 * dry-run every other member before applying any (so a bad Deployment is
 * found before a ConfigMap is written), record the release in flight in the
 * cluster's inventory, apply in stages, prune what left the bundle, verify
 * health. On any failure the previous version is restored as a whole (see
 * rollback.ts); protected kinds the release created (a Namespace, a CRD) are
 * removed then only when the bundle's policy says `prune.protected`, and are
 * otherwise kept and reported. Every step is written to the journal before it
 * runs, and a lease keeps a second engine off the same bundle x cluster.
 *
 * @example
 *   const r = await releaseToCluster({ db, cluster, target, loadVersion });
 *   r.release.state // 'succeeded' | 'rolled-back'
 */

import type { BundlePolicy } from '../bundle/policy.ts';

import { applyObject } from '../cluster/apply.ts';

import type { Cluster } from '../cluster/cluster.ts';
import { kubeCause } from '../cluster/kube-error.ts';

import { ConflictError, NotFoundError, ReleaseFailedError, UnavailableError, toDroverError, type ObjectFailure } from '../errors/errors.ts';

import { sortForApply, stageNameOf } from '../object/order.ts';

import { formatRef, refOf, type KubeObject, idOf, keyOf } from '../object/ref.ts';

import { acquireLease, releaseLease, renewLease } from '../state/leases.ts';

import { beginRelease, getRelease, recordStep, type ReleaseRecord } from '../state/releases.ts';

import { applyMembers } from './apply-members.ts';
import { appliedObjects, assembleChangeSet, type ChangeSet, type ChangeSetEntry, journalOf, summarizeChangeSet } from './change-set.ts';

import { INVENTORY_NAMESPACE, type Inventory, type InventoryVersion, inventoryName, readInventory, writeInventory } from './inventory.ts';
import { isProtectedKind, withOwnership } from './ownership.ts';

import { withoutDelegatedFields } from '../object/delegated.ts';

import { assemblePlan, type PlanAction, type PlanEntry, summarizePlan } from './plan.ts';
import { mapLimit, settleLimit } from './pool.ts';

import { pruneEntries } from './prune.ts';

import { rollbackRelease } from './rollback.ts';

import { settledMembers } from './settled.ts';

import { readLive } from './read-live.ts';

import { verifyHealth } from './verify.ts';
import { engineIdentity, isHolderDead, LEASE_TTL_MS } from './lease-holder.ts';
import { releasePolicy, type ReleaseOptions, type VersionContent } from './release-options.ts';

export type { ReleaseOptions, VersionContent } from './release-options.ts';

import { waitForDefinitions } from './wait-definitions.ts';


export interface ReleaseResult {
  release: ReleaseRecord;
  plan: Record<PlanAction, number>;
  /** What the release did to each object (what it wrote, left unchanged, deleted, kept); empty when it stopped before applying. */
  changes: ChangeSet;
  /** Objects written by the apply steps of both phases (0 when nothing changed). */
  written: number;
}

export async function releaseToCluster(opts: ReleaseOptions): Promise<ReleaseResult> {
  const { db, cluster, target, signal, onEvent = () => {} } = opts;
  const lease = acquireLease(db, { bundle: target.bundle, cluster: cluster.name, holder: engineIdentity(), ttlMs: LEASE_TTL_MS, isHolderDead });
  const renew = setInterval(() => {
    try {
      renewLease(db, lease, LEASE_TTL_MS);
    } catch {
      // The release notices nothing; a lost lease only matters to a second engine, which is refused by its own acquire.
    }
  }, LEASE_TTL_MS / 3);
  renew.unref();
  try {
    const inv = await readInventory(cluster, target.bundle, signal);
    const from = inv.current;
    const rel = beginRelease(db, {
      bundle: target.bundle,
      cluster: cluster.name,
      version: target.version,
      digest: target.digest,
      ...(opts.environment ? { environment: opts.environment } : {}),
      ...(from ? { fromVersion: from.version, fromDigest: from.digest } : {}),
      ...(opts.cause ? { cause: opts.cause } : {}),
    });
    onEvent({ phase: 'release', subject: cluster.name, message: `${target.bundle}@${target.version}${from ? ` (from ${from.version})` : ''}: planned` });
    return await runRelease(opts, rel, inv);
  } finally {
    clearInterval(renew);
    releaseLease(db, lease);
  }
}

const isDefinition = (o: KubeObject) => stageNameOf(o) === 'definitions';

function sortEntriesForApply(entries: PlanEntry[]): PlanEntry[] {
  const byObject = new Map(entries.map((e) => [e.object!, e]));
  return sortForApply(entries.map((e) => e.object!)).map((o) => byObject.get(o)!);
}

async function runRelease(opts: ReleaseOptions, rel: ReleaseRecord, inv: Inventory): Promise<ReleaseResult> {
  const { db, cluster, target, signal, onEvent = () => {}, concurrency = 16 } = opts;
  const policy = releasePolicy(opts);
  const prepare = opts.prepare ?? (async (o: KubeObject) => o);
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  const targetIds: InventoryVersion = { version: target.version, digest: target.digest, members: target.members.map(idOf) };
  let plan: PlanEntry[] = [];
  const applied: ChangeSetEntry[] = [];
  let changes: ChangeSet = [];
  let previous: VersionContent | null = null;
  let touched = false;
  let created: InventoryVersion['members'] = [];
  const markInFlight = async () => {
    if (touched) return;
    touched = true;
    await writeInventory(cluster, { bundle: target.bundle, current: inv.current, pending: { ...targetIds, releaseId: rel.id, startedAt: rel.startedAt, created } }, signal);
  };
  try {
    // Fetch what a rollback needs before touching anything: the registry may be unreachable later.
    previous = inv.current ? (inv.current.digest === target.digest ? target : await loadPrevious(opts, inv.current)) : null;
    const desired = await mapLimit(withoutDelegatedFields(target.members), concurrency, async (m) => withOwnership(await prepare(m), target.bundle));
    const owned = [...(inv.current?.members ?? []), ...(inv.pending?.members ?? [])];
    const sameVersion = inv.current?.digest === target.digest && !inv.pending;
    const definitions = desired.filter(isDefinition);
    const rest = desired.filter((o) => !isDefinition(o));

    // What exists before anything is written: the definitions, and every protected member (whether this release creates it decides its rollback).
    const early = desired.filter((o) => isDefinition(o) || isProtectedKind(o.kind));
    const live = early.length ? await readLive(cluster, early.map(idOf), concurrency, signal) : new Map<string, KubeObject | null>();
    created = [...(inv.pending?.created ?? []), ...early.filter((o) => live.get(keyOf(o)) === null && isProtectedKind(o.kind)).map(idOf)];
    const settled = settledMembers({ desired: definitions, live, sameVersion });
    const dryRun = await dryRunAll(cluster, definitions.filter((o) => !settled.has(keyOf(o))), live, { policy, concurrency, signal });

    // Phase 1: the definitions for real, and wait until what lives in them can be served.
    const definitionPlan = assemblePlan({ bundle: target.bundle, desired: definitions, live, dryRun, settled, owned: [], policy });
    const definitionWrites = sortEntriesForApply(definitionPlan.filter((e) => e.action === 'create' || e.action === 'update'));
    if (definitionWrites.length > 0) {
      recordStep(db, rel.id, { state: 'applying', message: `definitions first: ${definitionWrites.map((e) => `${e.ref} (${e.action})`).join(', ')}`, data: { definitions: definitionWrites.map((e) => ({ ref: e.ref, action: e.action })) } });
      await markInFlight();
      applied.push(...(await applyMembers({ cluster, entries: definitionPlan, recreateOnImmutable: policy.recreateOnImmutableChange, concurrency, onEvent, signal })));
      await waitForDefinitions(cluster, { definitions, kinds: rest, deadline, signal, onEvent });
    }

    // Phase 2: every other member dry-run before any is applied.
    const restLive = await readLive(cluster, [...rest.map(idOf), ...owned], concurrency, signal);
    for (const [key, obj] of restLive) if (!live.has(key)) live.set(key, obj);
    const restSettled = settledMembers({ desired: rest, live, sameVersion });
    for (const [key, obj] of await dryRunAll(cluster, rest.filter((o) => !restSettled.has(keyOf(o))), live, { policy, concurrency, signal })) dryRun.set(key, obj);
    for (const key of restSettled) settled.add(key);
    plan = assemblePlan({ bundle: target.bundle, desired, live, dryRun, settled, owned, policy });
    const summary = summarizePlan(plan);
    const skipped = settled.size > 0 ? ` (${settled.size} already as this version applied them, not dry-run)` : '';

    recordStep(db, rel.id, { state: 'applying', message: `${summary.create} to create, ${summary.update} to update, ${summary.unchanged} unchanged${skipped}, ${summary.prune} to prune`, data: { ...summary, settled: settled.size } });
    // The inventory already says the cluster runs this version: with nothing to write or prune, there is nothing in flight to mark.
    const noop = sameVersion && summary.create + summary.update + summary.prune === 0;
    if (!noop) await markInFlight();
    const definitionKeys = new Set(definitionPlan.map((e) => e.key));
    applied.push(...(await applyMembers({ cluster, entries: plan.filter((e) => !definitionKeys.has(e.key)), recreateOnImmutable: policy.recreateOnImmutableChange, concurrency, onEvent, signal })));
    const deleted = await pruneEntries(cluster, plan, { propagation: policy.prune.propagationPolicy, signal, onEvent });
    changes = assembleChangeSet({ plan, applied, deleted });

    const members = appliedObjects(changes);
    recordStep(db, rel.id, { state: 'verifying', message: `waiting for ${members.length} members to be healthy`, data: { changes: summarizeChangeSet(changes), changed: journalOf(changes.filter((c) => c.action !== 'unchanged')) } });
    const verdict = await verifyHealth(cluster, { members, deadline, signal, onEvent });
    if (!verdict.ok) throw new ReleaseFailedError(verdict.message, { data: { ref: verdict.ref, reason: verdict.reason, findings: verdict.findings } });

    if (touched) await writeInventory(cluster, { bundle: target.bundle, current: targetIds, pending: null }, signal);
    recordStep(db, rel.id, { state: 'succeeded', message: `${target.bundle}@${target.version} healthy on ${cluster.name}` });
    onEvent({ phase: 'release', subject: cluster.name, message: `${target.bundle}@${target.version}: succeeded` });
    return { release: getRelease(db, rel.id)!, plan: summarizePlan(plan), changes, written: applied.length };
  } catch (err) {
    if (signal?.aborted) throw err; // shutting down: the journal and inventory let the next start finish the job
    const e = toDroverError(err);
    const failedObject = typeof e.data.ref === 'string' ? e.data.ref : undefined;
    const reason = typeof e.data.reason === 'string' ? e.data.reason : e.code;
    recordStep(db, rel.id, { state: 'failed', message: e.message, reason, ...(failedObject ? { failedObject } : {}), data: e.data.failures ?? e.data.findings });
    onEvent({ phase: 'release', subject: cluster.name, level: 'error', message: `${target.bundle}@${target.version} failed: ${e.message}` });
    if (!touched) {
      // Nothing reached the cluster: it still runs what it ran, whole; there is nothing to restore.
      recordStep(db, rel.id, { state: 'rolled-back', message: `nothing was applied; ${cluster.name} still runs ${inv.current ? `${target.bundle}@${inv.current.version}` : 'nothing of the bundle'}` });
      return { release: getRelease(db, rel.id)!, plan: summarizePlan(plan), changes, written: applied.length };
    }
    await rollbackRelease({ ...opts, release: getRelease(db, rel.id)!, failedMembers: [...targetIds.members, ...(inv.pending?.members ?? [])], created, previous: inv.current, previousContent: previous });
    return { release: getRelease(db, rel.id)!, plan: summarizePlan(plan), changes, written: applied.length };
  }
}

/** The version the cluster runs, from the registry; without it no rollback is possible, so the release stops here. */
async function loadPrevious(opts: ReleaseOptions, current: InventoryVersion): Promise<VersionContent> {
  try {
    return await opts.loadVersion(current);
  } catch (err) {
    const e = toDroverError(err);
    const msg = `${opts.cluster.name} runs ${opts.target.bundle}@${current.version} (${current.digest}) by its inventory, and that version cannot be loaded to roll back to, so nothing was applied: ${e.message}`;
    if (e instanceof NotFoundError) {
      throw new ConflictError(`${msg}. Another Drover instance or another registry may own bundle ${opts.target.bundle} on ${opts.cluster.name} (see ConfigMap/${INVENTORY_NAMESPACE}/${inventoryName(opts.target.bundle)})`, { cause: err, data: { reason: 'PreviousVersionMissing' } });
    }
    throw new UnavailableError(msg, { cause: err, data: { reason: 'PreviousVersionUnavailable' } });
  }
}

/** Dry-runs every desired member; any refusal fails the release before anything is applied. */
async function dryRunAll(
  cluster: Cluster,
  desired: KubeObject[],
  live: Map<string, KubeObject | null>,
  { policy, concurrency, signal }: { policy: BundlePolicy; concurrency: number; signal?: AbortSignal },
): Promise<Map<string, KubeObject>> {
  const out = new Map<string, KubeObject>();
  const settled = await settleLimit(desired, concurrency, async (object) => {
    try {
      const r = await applyObject(cluster, { object, dryRun: true, signal, before: live.get(keyOf(object)) ?? null });
      out.set(keyOf(object), r.object);
    } catch (err) {
      // An immutable change the policy allows to recreate cannot pass a dry run; the apply step recreates it.
      if (kubeCause(err)?.immutable && policy.recreateOnImmutableChange) return;
      throw err;
    }
  });
  const failures: ObjectFailure[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'rejected') failures.push({ ref: formatRef(refOf(desired[i]!)), error: toDroverError(s.reason) });
  });
  if (failures.length > 0) {
    const first = failures[0]!;
    const immutable = kubeCause(first.error.cause)?.immutable ?? kubeCause(first.error)?.immutable;
    throw new ReleaseFailedError(
      `${cluster.name}: dry run refused ${failures.length} object(s), nothing was applied: ${first.error.message}${immutable ? ' (a field that cannot change after creation changed; set spec.recreateOnImmutableChange in the Bundle to allow delete-and-recreate)' : ''}`,
      { data: { ref: first.ref, reason: immutable ? 'ImmutableFieldChanged' : 'DryRunFailed', failures: failures.map((f) => ({ ref: f.ref, error: f.error.toJSON() })) } },
    );
  }
  return out;
}
