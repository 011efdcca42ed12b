/**
 * The plan of a release, pure: desired members against what the cluster has
 * (live objects) and what a server-side dry-run says they would become.
 * Each member is `create`, `update` or `unchanged`; each object that left the
 * bundle is `prune` or `keep` (with the reason it is kept). Also how to read
 * the live objects cheaply: one LIST per kind and namespace holding several
 * members, one GET for the rest.
 */
import { type BundlePolicy, DEFAULT_POLICY } from '../bundle/policy.ts';

import { stableStringify } from '../object/canonical.ts';

import { formatRef, keyOf, type KubeObject, type ObjectId, refKey, refOf } from '../object/ref.ts';

import { isProtectedKind, pruneVerdict } from './ownership.ts';


export type PlanAction = 'create' | 'update' | 'unchanged' | 'prune' | 'keep';

export interface PlanEntry {
  ref: string;
  key: string;
  action: PlanAction;
  /** The object to apply (create/update/unchanged). */
  object?: KubeObject;
  /** The live object before the release, null when absent. */
  live: KubeObject | null;
  /** Why a `keep` is kept. */
  reason?: string;
}


/** Server-set and bookkeeping fields that differ between a dry-run answer and the live object without meaning a change. */
function comparable(o: KubeObject): unknown {
  const { managedFields: _m, resourceVersion: _r, ...metadata } = o.metadata;
  const { status: _s, ...rest } = o;
  return { ...rest, metadata };
}

const same = (a: unknown, b: unknown) => stableStringify(a) === stableStringify(b);

export interface PlanInput {
  bundle: string;
  /** Members as they will be applied (with ownership marks). */
  desired: KubeObject[];
  /** Live objects by key (refKey), null when absent, for desired members and prune candidates. */
  live: Map<string, KubeObject | null>;
  /** Server-side dry-run results by key for desired members. */
  dryRun: Map<string, KubeObject>;
  /** Keys of desired members known unchanged without a dry run (settled.ts). */
  settled?: ReadonlySet<string>;
  /** Members that Drover owned before (previous version, and any release in flight). */
  owned: ObjectId[];
  /** The bundle's apply policy (prune.enabled, prune.protected). */
  policy?: BundlePolicy;
  /**
   * Why owned objects outside `desired` are removed: `release`, members
   * dropped since the previous version (prune.enabled applies); `rollback`,
   * members a failed release added (protected kinds only if that release
   * created them, keys in `created`); `retire`, the whole bundle.
   */
  mode?: 'release' | 'rollback' | 'retire';
  /** Keys of protected members the release being undone created (mode `rollback`). */
  created?: ReadonlySet<string>;
}

export function assemblePlan({ bundle, desired, live, dryRun, settled = new Set(), owned, policy = DEFAULT_POLICY, mode = 'release', created = new Set() }: PlanInput): PlanEntry[] {
  const entries: PlanEntry[] = [];
  const desiredKeys = new Set<string>();
  for (const object of desired) {
    const key = keyOf(object);
    desiredKeys.add(key);
    const before = live.get(key) ?? null;
    const after = dryRun.get(key);
    const action: PlanAction = before === null ? 'create' : settled.has(key) || (after && same(comparable(after), comparable(before))) ? 'unchanged' : 'update';
    entries.push({ ref: formatRef(refOf(object)), key, action, object, live: before });
  }
  const seen = new Set<string>();
  for (const m of owned) {
    const key = refKey(m);
    if (desiredKeys.has(key) || seen.has(key)) continue;
    seen.add(key);
    const ref = formatRef(m);
    const obj = live.get(key) ?? null;
    if (obj === null) continue; // already gone
    if (mode === 'release' && !policy.prune.enabled) {
      entries.push({ ref, key, action: 'keep', live: obj, reason: 'pruning is off for this bundle (spec.prune.enabled: false)' });
      continue;
    }
    const existedBefore = mode === 'rollback' && isProtectedKind(obj.kind) && !created.has(key);
    const verdict = pruneVerdict(obj, bundle, { pruneProtected: policy.prune.protected && !existedBefore });
    const reason = !verdict.prune && existedBefore && policy.prune.protected && verdict.reason.includes('protected') ? `${obj.kind} existed before the release being rolled back` : verdict.prune ? '' : verdict.reason;
    entries.push(verdict.prune ? { ref, key, action: 'prune', live: obj } : { ref, key, action: 'keep', live: obj, reason });
  }
  return entries;
}

/** Counts per action, for messages and results. */
export function summarizePlan(plan: PlanEntry[]): Record<PlanAction, number> {
  const s: Record<PlanAction, number> = { create: 0, update: 0, unchanged: 0, prune: 0, keep: 0 };
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
