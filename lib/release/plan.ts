/**
 * The plan of a release, pure: desired members against what the cluster has
 * (live objects) and what a server-side dry-run says they would become.
 * Each member is `create`, `update` or `unchanged`, with the ledger entry it
 * is held by (ownership.ts judged it before); each object the bundle holds
 * and no longer wants is `prune` (deleted), `keep` (with the reason),
 * `release` (this bundle's field manager and marks removed) or `restore` (an
 * adopted object's prior state put back), by ownership.ts's `dropVerdict`.
 * Also how to read the live objects cheaply: one LIST per kind and namespace
 * holding several members, one GET for the rest.
 */
import { type BundlePolicy, DEFAULT_POLICY } from '../bundle/policy.ts';

import { stableStringify } from '../object/canonical.ts';

import { formatRef, keyOf, type KubeObject, type ObjectId, refKey, refOf } from '../object/ref.ts';

import type { InventoryEntry } from './inventory.ts';
import { type Claim, dropVerdict } from './ownership.ts';

export type PlanAction = 'create' | 'update' | 'unchanged' | 'prune' | 'keep' | 'release' | 'restore';

export interface PlanEntry {
  ref: string;
  key: string;
  action: PlanAction;
  /** The object to apply (create/update/unchanged). */
  object?: KubeObject;
  /** The live object before the release, null when absent. */
  live: KubeObject | null;
  /** The ledger entry the bundle holds the object by (after this release, for members; before it, for what it lets go). */
  entry?: InventoryEntry;
  /** Why a `keep`, `release` or `restore` is done. */
  reason?: string;
  /** `release`: leave the values this bundle set (an adopted object), else remove the fields only it applies. */
  keepValues?: boolean;
}

/** Server-set and bookkeeping fields that differ between a dry-run answer and the live object without meaning a change. */
function comparable(o: KubeObject): unknown {
  const { managedFields: _m, resourceVersion: _r, ...metadata } = o.metadata;
  const { status: _s, ...rest } = o;
  return { ...rest, metadata };
}

const same = (a: unknown, b: unknown) => stableStringify(a) === stableStringify(b);

export interface PlanInput {
  /** Members as they will be applied (with ownership marks). */
  desired: KubeObject[];
  /** Live objects by key (refKey), null when absent, for desired members and what the bundle holds. */
  live: Map<string, KubeObject | null>;
  /** Server-side dry-run results by key for desired members. */
  dryRun: Map<string, KubeObject>;
  /** Keys of desired members known unchanged without a dry run (settled.ts). */
  settled?: ReadonlySet<string>;
  /** The entry each desired member is held by after this release, by key. */
  entries?: ReadonlyMap<string, InventoryEntry>;
  /** What the bundle holds that it may let go: objects outside `desired` among these are judged by dropVerdict. */
  held: readonly InventoryEntry[];
  /** Other bundles' ledger entries on the same objects, by key. */
  claims?: ReadonlyMap<string, readonly Claim[]>;
  /** The bundle's apply policy (prune.enabled, prune.protected). */
  policy?: BundlePolicy;
  /**
   * Why held objects outside `desired` are let go: `release`, members
   * dropped since the previous version (prune.enabled applies); `rollback`,
   * what a failed release added; `retire`, the whole bundle.
   */
  mode?: 'release' | 'rollback' | 'retire';
}

export function assemblePlan({
  desired,
  live,
  dryRun,
  settled = new Set(),
  entries = new Map(),
  held,
  claims = new Map(),
  policy = DEFAULT_POLICY,
  mode = 'release',
}: PlanInput): PlanEntry[] {
  const out: PlanEntry[] = [];
  const desiredKeys = new Set<string>();
  for (const object of desired) {
    const key = keyOf(object);
    desiredKeys.add(key);
    const before = live.get(key) ?? null;
    const after = dryRun.get(key);
    const action: PlanAction =
      before === null
        ? 'create'
        : settled.has(key) || (after && same(comparable(after), comparable(before)))
          ? 'unchanged'
          : 'update';
    const entry = entries.get(key);
    out.push({ ref: formatRef(refOf(object)), key, action, object, live: before, ...(entry ? { entry } : {}) });
  }
  const seen = new Set<string>();
  for (const entry of held) {
    const key = refKey(entry);
    if (desiredKeys.has(key) || seen.has(key)) continue;
    seen.add(key);
    const ref = formatRef(entry);
    const obj = live.get(key) ?? null;
    if (obj === null) continue; // already gone
    const v = dropVerdict({ entry, live: obj, claims: claims.get(key) ?? [], mode, prune: policy.prune });
    if (v.action === 'delete') out.push({ ref, key, action: 'prune', live: obj, entry });
    else if (v.action === 'release')
      out.push({ ref, key, action: 'release', live: obj, entry, reason: v.reason, keepValues: v.keepValues });
    else out.push({ ref, key, action: v.action, live: obj, entry, reason: v.reason });
  }
  return out;
}

/** Counts per action, for messages and results. */
export function summarizePlan(plan: PlanEntry[]): Record<PlanAction, number> {
  const s: Record<PlanAction, number> = {
    create: 0,
    update: 0,
    unchanged: 0,
    prune: 0,
    keep: 0,
    release: 0,
    restore: 0,
  };
  for (const e of plan) s[e.action]++;
  return s;
}

/** Members of one kind in one namespace at or above this count are read with one LIST rather than a GET each. */
export const LIST_THRESHOLD = 3;

export interface LiveReads {
  /** One LIST each: every member shares apiVersion, kind and namespace. */
  lists: { apiVersion: string; kind: string; namespace: string; members: ObjectId[] }[];
  /** One GET each. */
  gets: ObjectId[];
}

/**
 * How to read the live state of `ids`: duplicates (same key) are read once;
 * a kind with at least `threshold` members in one namespace is listed, since
 * a GET each for hundreds of members is hundreds of round trips. The LIST
 * returns every object of that kind in the namespace, members or not, so a
 * few members in a namespace crowded with others' objects pay for all of
 * them; the threshold keeps small groups on GETs. Pure.
 *
 * @example
 *   assembleLiveReads([cm('a'), cm('b'), cm('c'), svc('web')])
 *   // => { lists: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', members: [a, b, c] }], gets: [web] }
 */
export function assembleLiveReads(ids: readonly ObjectId[], threshold = LIST_THRESHOLD): LiveReads {
  const unique = [...new Map(ids.map((m) => [refKey(m), m])).values()];
  const groups = new Map<string, ObjectId[]>();
  for (const m of unique) {
    const g = `${m.apiVersion}\n${m.kind}\n${m.namespace}`;
    const members = groups.get(g);
    if (members) members.push(m);
    else groups.set(g, [m]);
  }
  const reads: LiveReads = { lists: [], gets: [] };
  for (const members of groups.values()) {
    const { apiVersion, kind, namespace } = members[0]!;
    if (members.length >= threshold) reads.lists.push({ apiVersion, kind, namespace, members });
    else reads.gets.push(...members);
  }
  return reads;
}

/**
 * The ledger a plan leaves once it has run: every member by the entry it is
 * held by (created when nothing else is known), every kept object as
 * created-kept (so a retry does not see it as foreign), plus `carried`
 * entries the plan does not name (namespaces created earlier and still
 * needed, entries a rollback leaves as they were). What was pruned,
 * released or restored leaves the ledger. Pure.
 */
export function ledgerAfter(plan: readonly PlanEntry[], carried: readonly InventoryEntry[] = []): InventoryEntry[] {
  const out = new Map<string, InventoryEntry>();
  for (const e of carried) out.set(refKey(e), e);
  for (const e of plan) {
    if (e.action === 'prune' || e.action === 'release' || e.action === 'restore') {
      out.delete(e.key);
      continue;
    }
    const id = e.object
      ? {
          apiVersion: e.object.apiVersion,
          kind: e.object.kind,
          namespace: e.object.metadata.namespace ?? '',
          name: e.object.metadata.name,
        }
      : e.entry!;
    const base: InventoryEntry = e.entry ?? {
      apiVersion: id.apiVersion,
      kind: id.kind,
      namespace: id.namespace,
      name: id.name,
      origin: 'created',
    };
    out.set(
      e.key,
      e.action === 'keep' ? { ...base, origin: base.origin === 'adopted' ? 'adopted' : 'created-kept' } : base,
    );
  }
  return [...out.values()];
}
