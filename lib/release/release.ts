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
import { fieldConflicts } from '../cluster/kube-error.ts';

import type { Cluster } from '../cluster/cluster.ts';
import { kubeCause } from '../cluster/kube-error.ts';

import {
  ConflictError,
  NotFoundError,
  ReleaseFailedError,
  UnavailableError,
  toDroverError,
  type ObjectFailure,
} from '../errors/errors.ts';

import { sortForApply, stageNameOf } from '../object/order.ts';

import { formatRef, refOf, type KubeObject, idOf, keyOf, refKey } from '../object/ref.ts';

import { acquireLease, releaseLease, renewLease } from '../state/leases.ts';
import { upsertKubeEvents } from '../state/events.ts';
import { runningOf } from './environment-run.ts';
import { beginRelease, getRelease, lastRelease, recordStep, type ReleaseRecord } from '../state/releases.ts';

import { applyMembers, conflictError } from './apply-members.ts';
import {
  appliedObjects,
  assembleChangeSet,
  type ChangeSet,
  type ChangeSetEntry,
  journalOf,
  summarizeChangeSet,
} from './change-set.ts';

import {
  holdsAnything,
  INVENTORY_NAMESPACE,
  type Inventory,
  type InventoryVersion,
  inventoryName,
  type PendingRelease,
  pendingEntries,
  readInventory,
  writeInventory,
} from './inventory.ts';
import { deletePriorHolders, letGoEntries } from './let-go.ts';
import { legacyManaged, migrateManagers } from './migrate-managers.ts';
import { LEGACY_MANAGER, managerOf } from './ownership.ts';
import { assemblePriorState, writePriorState } from './prior-state.ts';
import { markedMembers, type Ownership, ownershipRefusal, readOwnership } from './read-ownership.ts';
import { inventoryMissing, refusal } from './refusal.ts';

import { withoutDelegatedFields } from '../object/delegated.ts';

import { assemblePlan, ledgerAfter, type PlanAction, type PlanEntry, summarizePlan } from './plan.ts';
import { mapLimit, settleLimit } from '../foundation/map-limit.ts';

import { pruneEntries } from './prune.ts';

import { rollbackRelease } from './rollback.ts';

import { settledMembers } from './settled.ts';

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
  /** Set when the release was refused before any write (lib/release/refusal.ts): its reason and message. */
  refused?: { reason: string; message: string };
}

export async function releaseToCluster(opts: ReleaseOptions): Promise<ReleaseResult> {
  const { db, cluster, target, signal, onEvent = () => {} } = opts;
  const lease = acquireLease(db, {
    bundle: target.bundle,
    cluster: cluster.name,
    holder: engineIdentity(),
    ttlMs: LEASE_TTL_MS,
    isHolderDead,
  });
  const renew = setInterval(() => {
    try {
      renewLease(db, lease, LEASE_TTL_MS);
    } catch {
      // The release notices nothing; a lost lease only matters to a second engine, which is refused by its own acquire.
    }
  }, LEASE_TTL_MS / 3);
  renew.unref();
  try {
    // What the journal says runs there, read before this release is journaled: a missing inventory is not "nothing owned".
    const journal =
      opts.running !== undefined ? opts.running : (runningOf(lastRelease(db, target.bundle, cluster.name)) ?? null);
    const inv = await readInventory(cluster, target.bundle, signal);
    // With the inventory gone, what the journal says runs is where this release starts from: refused, it still runs there.
    const from = inv.current ?? (inv.exists ? null : journal);
    const rel = beginRelease(db, {
      bundle: target.bundle,
      cluster: cluster.name,
      version: target.version,
      digest: target.digest,
      ...(opts.environment ? { environment: opts.environment } : {}),
      ...(from ? { fromVersion: from.version, fromDigest: from.digest } : {}),
      ...(opts.cause ? { cause: opts.cause } : {}),
    });
    onEvent({
      phase: 'release',
      subject: cluster.name,
      message: `${target.bundle}@${target.version}${from ? ` (from ${from.version})` : ''}: planned`,
    });
    return await runRelease(opts, rel, inv, journal);
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

async function runRelease(
  opts: ReleaseOptions,
  rel: ReleaseRecord,
  inv: Inventory,
  journal: { version: string; digest: string } | null,
): Promise<ReleaseResult> {
  const { db, cluster, target, signal, onEvent = () => {}, concurrency = 16 } = opts;
  const bundle = target.bundle;
  const policy = releasePolicy(opts);
  const manager = managerOf(bundle);
  const prepare = opts.prepare ?? (async (o: KubeObject) => o);
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  const targetIds: InventoryVersion = {
    version: target.version,
    digest: target.digest,
    members: target.members.map(idOf),
  };
  let plan: PlanEntry[] = [];
  const applied: ChangeSetEntry[] = [];
  let changes: ChangeSet = [];
  let previous: VersionContent | null = null;
  let touched = false;
  let ownership: Ownership | null = null;
  let inFlight: Inventory = inv;
  const markInFlight = async () => {
    if (touched || !ownership) return;
    touched = true;
    // The prior state of what it adopts, then the entries it adds: both recorded before the first write to a member.
    await mapLimit(ownership.adoptions, concurrency, (a) =>
      writePriorState(cluster, {
        bundle,
        id: idOf(a.object),
        prior: assemblePriorState({ live: a.live, desired: a.object }),
        signal,
      }),
    );
    const entries = [...new Map([...pendingEntries(inv), ...ownership.added].map((e) => [refKey(e), e])).values()];
    const pending: PendingRelease = { ...targetIds, releaseId: rel.id, startedAt: rel.startedAt, entries };
    inFlight = { ...inv, pending, exists: true };
    await writeInventory(cluster, inFlight, signal);
  };
  try {
    if (!inv.exists && journal) throw inventoryMissing({ bundle, cluster: cluster.name, running: journal });
    // Fetch what a rollback needs before touching anything: the registry may be unreachable later.
    previous = inv.current
      ? inv.current.digest === target.digest
        ? target
        : await loadPrevious(opts, inv.current)
      : null;
    const desired = markedMembers({
      bundle,
      members: await mapLimit(withoutDelegatedFields(target.members), concurrency, prepare),
      policy,
    });
    if (desired.length === 0 && holdsAnything(inv) && !policy.allowEmpty) {
      throw refusal({
        reason: 'EmptyVersion',
        message: `${bundle}@${target.version} has no objects, and ${cluster.name} holds ${inv.entries.length || (inv.current?.members.length ?? 0)} of bundle ${bundle}: a version that empties a bundle must be cut with spec.allowEmpty; nothing was applied`,
      });
    }

    // Before any write: every member's live object judged against the ledgers; one foreign member refuses the whole release.
    ownership = await readOwnership({
      cluster,
      bundle,
      desired,
      inventory: inv,
      policy,
      createNamespace: opts.createNamespace ?? false,
      selfManaged: opts.selfManaged ?? false,
      concurrency,
      signal,
    });
    const refused = ownershipRefusal(ownership, { bundle, cluster: cluster.name });
    if (refused) throw refused;
    const { live, entries } = ownership;

    // Objects written under the single manager of earlier releases move to the bundle's own manager (no value changes).
    const moves = legacyManaged(
      bundle,
      desired.flatMap((o) => live.get(keyOf(o)) ?? []),
    );
    if (moves.length > 0) {
      for (const moved of await migrateManagers(cluster, { bundle, moves, concurrency, signal }))
        live.set(keyOf(moved), moved);
      recordStep(db, rel.id, {
        state: 'applying',
        message: `moved ${moves.length} object(s) from field manager ${LEGACY_MANAGER} to ${manager} (no value changed)`,
      });
    }

    const all = [...ownership.namespaces, ...desired];
    const sameVersion = inv.current?.digest === target.digest && !inv.pending;
    const managers = [manager, LEGACY_MANAGER];
    const definitions = all.filter(isDefinition);
    const rest = all.filter((o) => !isDefinition(o));
    const forceOf = (o: KubeObject) => entries.get(keyOf(o))?.origin !== 'shared';
    const settled = settledMembers({ desired: definitions, live, sameVersion, managers });
    const dryRun = await dryRunAll(
      cluster,
      definitions.filter((o) => !settled.has(keyOf(o))),
      live,
      { policy, manager, forceOf, concurrency, signal },
    );

    // Phase 1: the definitions for real, and wait until what lives in them can be served.
    const definitionPlan = assemblePlan({ desired: definitions, live, dryRun, settled, entries, held: [], policy });
    const definitionWrites = sortEntriesForApply(
      definitionPlan.filter((e) => e.action === 'create' || e.action === 'update'),
    );
    if (definitionWrites.length > 0) {
      recordStep(db, rel.id, {
        state: 'applying',
        message: `definitions first: ${definitionWrites.map((e) => `${e.ref} (${e.action})`).join(', ')}`,
        data: { definitions: definitionWrites.map((e) => ({ ref: e.ref, action: e.action })) },
      });
      await markInFlight();
      applied.push(
        ...(await applyMembers({
          cluster,
          entries: definitionPlan,
          manager,
          recreateOnImmutable: policy.recreateOnImmutableChange,
          concurrency,
          onEvent,
          signal,
        })),
      );
      await waitForDefinitions(cluster, { definitions, kinds: rest, deadline, signal, onEvent });
    }

    // Phase 2: every other member dry-run before any is applied.
    const restSettled = settledMembers({ desired: rest, live, sameVersion, managers });
    for (const [key, obj] of await dryRunAll(
      cluster,
      rest.filter((o) => !restSettled.has(keyOf(o))),
      live,
      { policy, manager, forceOf, concurrency, signal },
    ))
      dryRun.set(key, obj);
    for (const key of restSettled) settled.add(key);
    plan = assemblePlan({
      desired: all,
      live,
      dryRun,
      settled,
      entries,
      held: ownership.held,
      claims: ownership.claims,
      policy,
    });
    const summary = summarizePlan(plan);
    const skipped = settled.size > 0 ? ` (${settled.size} already as this version applied them, not dry-run)` : '';
    const letting =
      summary.release + summary.keep > 0 ? `, ${summary.release} to release, ${summary.keep} to keep` : '';
    const adopting = ownership.adoptions.length > 0 ? `, ${ownership.adoptions.length} to adopt` : '';

    recordStep(db, rel.id, {
      state: 'applying',
      message: `${summary.create} to create, ${summary.update} to update${adopting}, ${summary.unchanged} unchanged${skipped}, ${summary.prune} to prune${letting}`,
      data: { ...summary, settled: settled.size, adopt: ownership.adoptions.length },
    });
    // The inventory already says the cluster runs this version: with nothing to write or let go, there is nothing in flight to mark.
    const noop =
      sameVersion &&
      summary.create + summary.update + summary.prune + summary.release + summary.restore === 0 &&
      ownership.added.length === 0;
    if (!noop) await markInFlight();
    const definitionKeys = new Set(definitionPlan.map((e) => e.key));
    applied.push(
      ...(await applyMembers({
        cluster,
        entries: plan.filter((e) => !definitionKeys.has(e.key)),
        manager,
        recreateOnImmutable: policy.recreateOnImmutableChange,
        concurrency,
        onEvent,
        signal,
      })),
    );
    const deleted = await pruneEntries(cluster, plan, { propagation: policy.prune.propagationPolicy, signal, onEvent });
    const letGo = await letGoEntries(cluster, plan, { bundle, concurrency, signal, onEvent });
    changes = assembleChangeSet({ plan, applied, deleted, letGo });

    const members = appliedObjects(changes);
    recordStep(db, rel.id, {
      state: 'verifying',
      message: `waiting for ${members.length} members to be healthy`,
      data: {
        changes: summarizeChangeSet(changes),
        changed: journalOf(changes.filter((c) => c.action !== 'unchanged')),
      },
    });
    const verdict = await verifyHealth(cluster, { members, deadline, signal, onEvent });
    if (!verdict.ok)
      throw new ReleaseFailedError(verdict.message, {
        data: { ref: verdict.ref, reason: verdict.reason, findings: verdict.findings },
      });

    if (touched) {
      await writeInventory(
        cluster,
        { bundle, current: targetIds, pending: null, entries: ledgerAfter(plan, ownership.carried) },
        signal,
      );
      await deletePriorHolders(cluster, plan, signal);
    }
    const origins = originsOf(plan);
    recordStep(db, rel.id, {
      state: 'succeeded',
      message: `${bundle}@${target.version} healthy on ${cluster.name}${originNote(origins)}`,
      data: { origins },
    });
    onEvent({ phase: 'release', subject: cluster.name, message: `${bundle}@${target.version}: succeeded` });
    return { release: getRelease(db, rel.id)!, plan: summarizePlan(plan), changes, written: applied.length };
  } catch (err) {
    if (signal?.aborted) throw err; // shutting down: the journal and inventory let the next start finish the job
    const e = toDroverError(err);
    const failedObject = typeof e.data.ref === 'string' ? e.data.ref : undefined;
    const reason = typeof e.data.reason === 'string' ? e.data.reason : e.code;
    const refused = e.data.refused === true;
    recordStep(db, rel.id, {
      state: 'failed',
      message: e.message,
      reason,
      ...(failedObject ? { failedObject } : {}),
      data: e.data.failures ?? e.data.findings ?? (refused ? { refused: true, objects: e.data.objects } : undefined),
    });
    onEvent({
      phase: 'release',
      subject: cluster.name,
      level: 'error',
      message: `${bundle}@${target.version} ${refused ? 'refused' : 'failed'}: ${e.message}`,
      ...(refused ? { reason } : {}),
    });
    if (refused)
      recordRefusalEvent(db, { release: rel, reason, message: e.message, ref: failedObject ?? `Bundle/${bundle}` });
    if (!touched) {
      // Nothing reached the cluster: it still runs what it ran, whole; there is nothing to restore.
      const runs = inv.current ?? (inv.exists ? null : journal);
      recordStep(db, rel.id, {
        state: 'rolled-back',
        message: `nothing was applied; ${cluster.name} still runs ${runs ? `${bundle}@${runs.version}` : 'nothing of the bundle'}`,
        ...(refused ? { reason } : {}),
      });
      return {
        release: getRelease(db, rel.id)!,
        plan: summarizePlan(plan),
        changes,
        written: applied.length,
        ...(refused ? { refused: { reason, message: e.message } } : {}),
      };
    }
    await rollbackRelease({
      ...opts,
      release: getRelease(db, rel.id)!,
      inventory: inFlight,
      previousContent: previous,
    });
    return { release: getRelease(db, rel.id)!, plan: summarizePlan(plan), changes, written: applied.length };
  }
}

/**
 * A refusal as an event on the bundle's timeline (`drover events`, the
 * dashboard), beside its members' Kubernetes Events: source `drover`, type
 * Warning, the refusal's reason.
 */
function recordRefusalEvent(
  db: ReleaseOptions['db'],
  { release, reason, message, ref }: { release: ReleaseRecord; reason: string; message: string; ref: string },
): void {
  const at = new Date().toISOString();
  upsertKubeEvents(db, [
    {
      cluster: release.cluster,
      uid: `drover-release-${release.id}`,
      bundle: release.bundle,
      version: release.version,
      member: ref,
      object: ref,
      objectUid: null,
      type: 'Warning',
      reason,
      message,
      source: 'drover',
      count: 1,
      firstAt: at,
      lastAt: at,
      resourceVersion: '0',
      gatheredAt: at,
    },
  ]);
}

/** The members not simply created by Drover, for the success message: ` (adopted: ConfigMap/shop/legacy; origin unknown: 3 objects)`. Pure. */
export function originNote(origins: Record<string, string>): string {
  const by = new Map<string, string[]>();
  for (const [ref, origin] of Object.entries(origins))
    if (origin !== 'created') by.set(origin, [...(by.get(origin) ?? []), ref]);
  const label: Record<string, string> = {
    adopted: 'adopted',
    shared: 'shared',
    'created-kept': 'kept',
    unknown: 'origin unknown',
  };
  const parts = [...by].map(
    ([o, refs]) => `${label[o] ?? o}: ${refs.length > 5 ? `${refs.length} objects` : refs.join(', ')}`,
  );
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/** How the bundle holds each member after the plan, for the journal (`status` and `history` show it): ref -> origin. Pure. */
export function originsOf(plan: readonly PlanEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of plan)
    if (e.entry && e.action !== 'prune' && e.action !== 'release' && e.action !== 'restore')
      out[e.ref] = e.entry.unknown
        ? 'unknown'
        : e.action === 'keep' && e.entry.origin !== 'adopted'
          ? 'created-kept'
          : e.entry.origin;
  return out;
}

/** The version the cluster runs, from the registry; without it no rollback is possible, so the release stops here. */
async function loadPrevious(opts: ReleaseOptions, current: InventoryVersion): Promise<VersionContent> {
  try {
    return await opts.loadVersion(current);
  } catch (err) {
    const e = toDroverError(err);
    const msg = `${opts.cluster.name} runs ${opts.target.bundle}@${current.version} (${current.digest}) by its inventory, and that version cannot be loaded to roll back to, so nothing was applied: ${e.message}`;
    if (e instanceof NotFoundError) {
      throw new ConflictError(
        `${msg}. Another Drover instance or another registry may own bundle ${opts.target.bundle} on ${opts.cluster.name} (see ConfigMap/${INVENTORY_NAMESPACE}/${inventoryName(opts.target.bundle)})`,
        { cause: err, data: { reason: 'PreviousVersionMissing' } },
      );
    }
    throw new UnavailableError(msg, { cause: err, data: { reason: 'PreviousVersionUnavailable' } });
  }
}

/** Dry-runs every desired member; any refusal fails the release before anything is applied. */
async function dryRunAll(
  cluster: Cluster,
  desired: KubeObject[],
  live: Map<string, KubeObject | null>,
  {
    policy,
    manager,
    forceOf,
    concurrency,
    signal,
  }: {
    policy: BundlePolicy;
    manager: string;
    forceOf: (o: KubeObject) => boolean;
    concurrency: number;
    signal?: AbortSignal;
  },
): Promise<Map<string, KubeObject>> {
  const out = new Map<string, KubeObject>();
  const settled = await settleLimit(desired, concurrency, async (object) => {
    try {
      const r = await applyObject(cluster, {
        object,
        dryRun: true,
        manager,
        force: forceOf(object),
        signal,
        before: live.get(keyOf(object)) ?? null,
      });
      out.set(keyOf(object), r.object);
    } catch (err) {
      const conflicts = fieldConflicts(err);
      if (conflicts.length > 0) throw conflictError(cluster.name, formatRef(refOf(object)), 'shared', conflicts, err);
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
      {
        data: {
          ref: first.ref,
          reason: immutable ? 'ImmutableFieldChanged' : 'DryRunFailed',
          failures: failures.map((f) => ({ ref: f.ref, error: f.error.toJSON() })),
        },
      },
    );
  }
  return out;
}
