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
import {
  ConflictError,
  type DroverError,
  NotFoundError,
  ReleaseFailedError,
  UnavailableError,
  toDroverError,
} from '../errors/errors.ts';
import { mapLimit } from '../foundation/map-limit.ts';
import { withoutDelegatedFields } from '../object/delegated.ts';
import { sortForApply, stageNameOf } from '../object/order.ts';
import { type KubeObject, idOf, keyOf, refKey } from '../object/ref.ts';
import type { OnEvent } from '../progress.ts';
import { upsertKubeEvents } from '../state/events.ts';
import { acquireLease, releaseLease, renewLease } from '../state/leases.ts';
import { beginRelease, getRelease, lastRelease, recordStep, type ReleaseRecord } from '../state/releases.ts';
import { applyMembers } from './apply-members.ts';
import {
  appliedObjects,
  assembleChangeSet,
  type ChangeSet,
  type ChangeSetEntry,
  journalOf,
  summarizeChangeSet,
} from './change-set.ts';
import { dryRunMembers } from './dry-run-members.ts';
import { runningOf } from './environment-run.ts';
import {
  holdsAnything,
  INVENTORY_NAMESPACE,
  type Inventory,
  type InventoryEntry,
  type InventoryVersion,
  inventoryName,
  type PendingRelease,
  pendingEntries,
  readInventory,
  writeInventory,
} from './inventory.ts';
import { engineIdentity, isHolderDead, LEASE_TTL_MS } from './lease-holder.ts';
import { deletePriorHolders, letGoEntries } from './let-go.ts';
import { legacyManaged, migrateManagers } from './migrate-managers.ts';
import { LEGACY_MANAGER, managerOf } from './ownership.ts';
import { assemblePlan, ledgerAfter, type PlanAction, type PlanEntry, summarizePlan } from './plan.ts';
import { assemblePriorState, writePriorState } from './prior-state.ts';
import { pruneEntries } from './prune.ts';
import { markedMembers, type Ownership, ownershipRefusal, readOwnership } from './read-ownership.ts';
import { inventoryMissing, refusal } from './refusal.ts';
import { releasePolicy, type ReleaseOptions } from './release-options.ts';
import type { VersionContent } from '../bundle/version-content.ts';
import { rollbackRelease } from './rollback.ts';
import { settledMembers } from './settled.ts';
import { verifyHealth } from './verify.ts';
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

/**
 * One release as it runs: what it was asked and settled on at the start
 * (readonly), and what it has done so far, which the failure path reads to
 * decide between "nothing was applied" and a whole-version rollback.
 */
interface ReleaseRun {
  readonly opts: ReleaseOptions;
  readonly rel: ReleaseRecord;
  /** The inventory as read before the release was journaled. */
  readonly inv: Inventory;
  /** What the journal says runs there (read before this release was journaled). */
  readonly journal: { version: string; digest: string } | null;
  readonly policy: BundlePolicy;
  readonly manager: string;
  readonly concurrency: number;
  readonly deadline: number;
  readonly onEvent: OnEvent;
  readonly targetIds: InventoryVersion;
  plan: PlanEntry[];
  applied: ChangeSetEntry[];
  changes: ChangeSet;
  /** The version a rollback restores, fetched before anything is touched. */
  previous: VersionContent | null;
  /** Whether anything was written to the cluster (the inventory marked in flight first). */
  touched: boolean;
  ownership: Ownership | null;
  /** The inventory with this release in flight, once marked. */
  inFlight: Inventory;
}

async function runRelease(
  opts: ReleaseOptions,
  rel: ReleaseRecord,
  inv: Inventory,
  journal: { version: string; digest: string } | null,
): Promise<ReleaseResult> {
  const run: ReleaseRun = {
    opts,
    rel,
    inv,
    journal,
    policy: releasePolicy(opts),
    manager: managerOf(opts.target.bundle),
    concurrency: opts.concurrency ?? 16,
    deadline: Date.now() + (opts.timeoutMs ?? 300_000),
    onEvent: opts.onEvent ?? (() => {}),
    targetIds: { version: opts.target.version, digest: opts.target.digest, members: opts.target.members.map(idOf) },
    plan: [],
    applied: [],
    changes: [],
    previous: null,
    touched: false,
    ownership: null,
    inFlight: inv,
  };
  try {
    const desired = await readDesired(run);
    const ownership = await readReleaseOwnership(run, desired);
    await applyManagerMoves(run, desired);
    const stages = assembleStages({ ownership, desired, inventory: inv, target: opts.target, manager: run.manager });
    const definitions = await applyDefinitions(run, stages);
    const { noop } = await planRelease(run, stages, definitions);
    await applyPlanned(run, { noop, definitionKeys: definitions.keys });
    await pruneReleased(run);
    await verifyRelease(run);
    return await finishRelease(run);
  } catch (err) {
    return await failRelease(run, err);
  }
}

/**
 * Before anything is written: refuses a cluster whose inventory is gone
 * while the journal says a version runs, fetches the version a rollback
 * needs (the registry may be unreachable later), and returns the members as
 * the release applies them; a version that would empty the bundle is
 * refused unless it was cut to.
 */
async function readDesired(run: ReleaseRun): Promise<KubeObject[]> {
  const { opts, inv, journal, policy, concurrency } = run;
  const { cluster, target } = opts;
  const bundle = target.bundle;
  if (!inv.exists && journal) throw inventoryMissing({ bundle, cluster: cluster.name, running: journal });
  // Fetch what a rollback needs before touching anything: the registry may be unreachable later.
  run.previous = inv.current
    ? inv.current.digest === target.digest
      ? target
      : await loadPrevious(opts, inv.current)
    : null;
  const prepare = opts.prepare ?? (async (o: KubeObject) => o);
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
  return desired;
}

/** Before any write: every member's live object judged against the ledgers; one foreign member refuses the whole release. */
async function readReleaseOwnership(run: ReleaseRun, desired: KubeObject[]): Promise<Ownership> {
  const { opts, inv, policy, concurrency } = run;
  const { cluster, target, signal } = opts;
  const ownership = await readOwnership({
    cluster,
    bundle: target.bundle,
    desired,
    inventory: inv,
    policy,
    createNamespace: opts.createNamespace ?? false,
    selfManaged: opts.selfManaged ?? false,
    concurrency,
    signal,
  });
  run.ownership = ownership;
  const refused = ownershipRefusal(ownership, { bundle: target.bundle, cluster: cluster.name });
  if (refused) throw refused;
  return ownership;
}

/** Objects written under the single manager of earlier releases move to the bundle's own manager (no value changes). */
async function applyManagerMoves(run: ReleaseRun, desired: KubeObject[]): Promise<void> {
  const { opts, rel, manager, concurrency } = run;
  const { db, cluster, target, signal } = opts;
  const live = run.ownership!.live;
  const moves = legacyManaged(
    target.bundle,
    desired.flatMap((o) => live.get(keyOf(o)) ?? []),
  );
  if (moves.length === 0) return;
  for (const moved of await migrateManagers(cluster, { bundle: target.bundle, moves, concurrency, signal }))
    live.set(keyOf(moved), moved);
  recordStep(db, rel.id, {
    state: 'applying',
    message: `moved ${moves.length} object(s) from field manager ${LEGACY_MANAGER} to ${manager} (no value changed)`,
  });
}

/** A release's members split into its two phases (definitions first), and how each is written. */
interface Stages {
  all: KubeObject[];
  definitions: KubeObject[];
  rest: KubeObject[];
  /** The cluster already runs this very version, whole: members that have not drifted need no dry run. */
  sameVersion: boolean;
  managers: string[];
  /** Whether the apply of a member takes its fields from other managers (not for a shared member). */
  forceOf: (o: KubeObject) => boolean;
  live: Map<string, KubeObject | null>;
  entries: Map<string, InventoryEntry>;
}

/** The namespaces the release creates and its members, split into the two phases. Pure. */
function assembleStages({
  ownership,
  desired,
  inventory,
  target,
  manager,
}: {
  ownership: Ownership;
  desired: KubeObject[];
  inventory: Inventory;
  target: VersionContent;
  manager: string;
}): Stages {
  const all = [...ownership.namespaces, ...desired];
  const { live, entries } = ownership;
  return {
    all,
    definitions: all.filter(isDefinition),
    rest: all.filter((o) => !isDefinition(o)),
    sameVersion: inventory.current?.digest === target.digest && !inventory.pending,
    managers: [manager, LEGACY_MANAGER],
    forceOf: (o: KubeObject) => entries.get(keyOf(o))?.origin !== 'shared',
    live,
    entries,
  };
}

/** Members of `desired` that are not settled, dry-run. */
function dryRunUnsettled(
  run: ReleaseRun,
  stages: Stages,
  { desired, settled }: { desired: KubeObject[]; settled: Set<string> },
): Promise<Map<string, KubeObject>> {
  return dryRunMembers({
    cluster: run.opts.cluster,
    desired: desired.filter((o) => !settled.has(keyOf(o))),
    live: stages.live,
    policy: run.policy,
    manager: run.manager,
    forceOf: stages.forceOf,
    concurrency: run.concurrency,
    signal: run.opts.signal,
  });
}

/** What phase 1 leaves to phase 2: the dry runs and settled members so far, and the keys phase 1 applied. */
interface DefinitionsPhase {
  dryRun: Map<string, KubeObject>;
  settled: Set<string>;
  keys: Set<string>;
}

/**
 * Phase 1: the definitions (Namespaces, CRDs) dry-run, then applied for
 * real, and waited for until what lives in them can be served.
 */
async function applyDefinitions(run: ReleaseRun, stages: Stages): Promise<DefinitionsPhase> {
  const { opts, rel, policy, manager, concurrency, deadline, onEvent } = run;
  const { db, cluster, signal } = opts;
  const { definitions, rest, live, entries, sameVersion, managers } = stages;
  const settled = settledMembers({ desired: definitions, live, sameVersion, managers });
  const dryRun = await dryRunUnsettled(run, stages, { desired: definitions, settled });

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
    await markInFlight(run);
    run.applied.push(
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
  return { dryRun, settled, keys: new Set(definitionPlan.map((e) => e.key)) };
}

/**
 * Phase 2's plan: every other member dry-run before any is applied, the
 * whole plan assembled and journaled. `noop`: the inventory already says the
 * cluster runs this version and there is nothing to write or let go.
 */
async function planRelease(
  run: ReleaseRun,
  stages: Stages,
  { dryRun, settled }: DefinitionsPhase,
): Promise<{ noop: boolean }> {
  const { opts, rel, policy } = run;
  const ownership = run.ownership!;
  const { all, rest, live, entries, sameVersion, managers } = stages;
  // Phase 2: every other member dry-run before any is applied.
  const restSettled = settledMembers({ desired: rest, live, sameVersion, managers });
  for (const [key, obj] of await dryRunUnsettled(run, stages, { desired: rest, settled: restSettled }))
    dryRun.set(key, obj);
  for (const key of restSettled) settled.add(key);
  run.plan = assemblePlan({
    desired: all,
    live,
    dryRun,
    settled,
    entries,
    held: ownership.held,
    claims: ownership.claims,
    policy,
  });
  const summary = summarizePlan(run.plan);
  const skipped = settled.size > 0 ? ` (${settled.size} already as this version applied them, not dry-run)` : '';
  const letting = summary.release + summary.keep > 0 ? `, ${summary.release} to release, ${summary.keep} to keep` : '';
  const adopting = ownership.adoptions.length > 0 ? `, ${ownership.adoptions.length} to adopt` : '';

  recordStep(opts.db, rel.id, {
    state: 'applying',
    message: `${summary.create} to create, ${summary.update} to update${adopting}, ${summary.unchanged} unchanged${skipped}, ${summary.prune} to prune${letting}`,
    data: { ...summary, settled: settled.size, adopt: ownership.adoptions.length },
  });
  // The inventory already says the cluster runs this version: with nothing to write or let go, there is nothing in flight to mark.
  const noop =
    sameVersion &&
    summary.create + summary.update + summary.prune + summary.release + summary.restore === 0 &&
    ownership.added.length === 0;
  return { noop };
}

/** Phase 2's apply: the inventory marked in flight (unless there is nothing to do), then every member phase 1 did not apply. */
async function applyPlanned(
  run: ReleaseRun,
  { noop, definitionKeys }: { noop: boolean; definitionKeys: Set<string> },
): Promise<void> {
  const { opts, policy, manager, concurrency, onEvent } = run;
  if (!noop) await markInFlight(run);
  run.applied.push(
    ...(await applyMembers({
      cluster: opts.cluster,
      entries: run.plan.filter((e) => !definitionKeys.has(e.key)),
      manager,
      recreateOnImmutable: policy.recreateOnImmutableChange,
      concurrency,
      onEvent,
      signal: opts.signal,
    })),
  );
}

/** What left the bundle: pruned, or let go (released, restored); then the change set of the whole release. */
async function pruneReleased(run: ReleaseRun): Promise<void> {
  const { opts, policy, concurrency, onEvent } = run;
  const { cluster, target, signal } = opts;
  const plan = run.plan;
  const deleted = await pruneEntries(cluster, plan, { propagation: policy.prune.propagationPolicy, signal, onEvent });
  const letGo = await letGoEntries(cluster, plan, { bundle: target.bundle, concurrency, signal, onEvent });
  run.changes = assembleChangeSet({ plan, applied: run.applied, deleted, letGo });
}

/** The health of every member the change set says is applied, journaled first; an unhealthy one fails the release. */
async function verifyRelease(run: ReleaseRun): Promise<void> {
  const { opts, rel, deadline, onEvent } = run;
  const { db, cluster, signal } = opts;
  const changes = run.changes;
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
}

/** A healthy release: the inventory names it current (when anything was written), and the journal says succeeded. */
async function finishRelease(run: ReleaseRun): Promise<ReleaseResult> {
  const { opts, rel, targetIds, onEvent, plan } = run;
  const { db, cluster, target, signal } = opts;
  const bundle = target.bundle;
  if (run.touched) {
    await writeInventory(
      cluster,
      { bundle, current: targetIds, pending: null, entries: ledgerAfter(plan, run.ownership!.carried) },
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
  return releaseResult(run);
}

/** What the release reports, as far as it got. */
function releaseResult(run: ReleaseRun): ReleaseResult {
  return {
    release: getRelease(run.opts.db, run.rel.id)!,
    plan: summarizePlan(run.plan),
    changes: run.changes,
    written: run.applied.length,
  };
}

/**
 * Marks the release in flight before its first write to a member: the prior
 * state of what it adopts, then the inventory with the entries it adds. Once
 * only, and never before the ownership read.
 */
async function markInFlight(run: ReleaseRun): Promise<void> {
  const { opts, rel, inv, ownership, concurrency, targetIds } = run;
  const { cluster, target, signal } = opts;
  if (run.touched || !ownership) return;
  run.touched = true;
  // The prior state of what it adopts, then the entries it adds: both recorded before the first write to a member.
  await mapLimit(ownership.adoptions, concurrency, (a) =>
    writePriorState(cluster, {
      bundle: target.bundle,
      id: idOf(a.object),
      prior: assemblePriorState({ live: a.live, desired: a.object }),
      signal,
    }),
  );
  run.inFlight = assembleInFlight({ inventory: inv, added: ownership.added, target: targetIds, release: rel });
  await writeInventory(cluster, run.inFlight, signal);
}

/** The inventory with a release in flight: its target, and every entry it adds beside those of a release still pending. Pure. */
function assembleInFlight({
  inventory,
  added,
  target,
  release,
}: {
  inventory: Inventory;
  added: readonly InventoryEntry[];
  target: InventoryVersion;
  release: ReleaseRecord;
}): Inventory {
  const entries = [...new Map([...pendingEntries(inventory), ...added].map((e) => [refKey(e), e])).values()];
  const pending: PendingRelease = { ...target, releaseId: release.id, startedAt: release.startedAt, entries };
  return { ...inventory, pending, exists: true };
}

/**
 * A release that failed or was refused, journaled and reported; then, when
 * nothing reached the cluster, said to have changed nothing, and otherwise
 * rolled back to the previous version as a whole (rollback.ts). While
 * shutting down it only rethrows: the journal and inventory let the next
 * start finish the job.
 */
async function failRelease(run: ReleaseRun, err: unknown): Promise<ReleaseResult> {
  const { opts, rel, inv, journal } = run;
  const { db, cluster, target, signal } = opts;
  const bundle = target.bundle;
  if (signal?.aborted) throw err; // shutting down: the journal and inventory let the next start finish the job
  const e = toDroverError(err);
  const { reason, refused } = recordFailure(run, e);
  if (!run.touched) {
    // Nothing reached the cluster: it still runs what it ran, whole; there is nothing to restore.
    const runs = inv.current ?? (inv.exists ? null : journal);
    recordStep(db, rel.id, {
      state: 'rolled-back',
      message: `nothing was applied; ${cluster.name} still runs ${runs ? `${bundle}@${runs.version}` : 'nothing of the bundle'}`,
      ...(refused ? { reason } : {}),
    });
    return { ...releaseResult(run), ...(refused ? { refused: { reason, message: e.message } } : {}) };
  }
  await rollbackRelease({
    ...opts,
    release: getRelease(db, rel.id)!,
    inventory: run.inFlight,
    previousContent: run.previous,
  });
  return releaseResult(run);
}

/** The failure in the journal, as an event, and (a refusal) on the bundle's timeline; its reason, and whether it was a refusal. */
function recordFailure(run: ReleaseRun, e: DroverError): { reason: string; refused: boolean } {
  const { opts, rel, onEvent } = run;
  const { db, cluster, target } = opts;
  const bundle = target.bundle;
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
  return { reason, refused };
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
