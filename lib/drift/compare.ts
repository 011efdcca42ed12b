/**
 * Drift of one live object against the member Drover applied, pure. The rule:
 * every field path the desired object sets is checked; a path that manager
 * `drover` still owns in `metadata.managedFields` holds what Drover wrote
 * (an out-of-band write always takes ownership away: `kubectl scale` moves
 * `spec.replicas` to kubectl, `kubectl edit` moves the keys it changed), so it
 * is never drift even where the server normalized the value (`cpu: 0.5`
 * stored as `500m`). A path Drover no longer owns is drift when its live
 * value differs from the desired one, or is gone. Fields the desired object
 * does not set (defaults filled in by the API server, fields added by other
 * managers, status) are never looked at.
 *
 * Lists follow their merge shape as managedFields spell it (any manager's
 * entry will do, the shape is the schema's): keyed lists (`k:`) match items
 * by key, so items other managers added are not drift; sets (`v:`) need each
 * desired value present; atomic lists must match whole, item by item, with
 * defaulted fields inside items allowed. Values under a Secret's `data` and
 * `stringData`, SOPS-encrypted strings anywhere, and every value of a member
 * marked `sensitive`, are masked as `***` in what this returns.
 *
 * @example
 *   compareObject({ desired, live })
 *   // => [{ path: 'spec.replicas', desired: 2, live: 5, managers: ['kubectl'] }]
 */
import { MASK } from '../bundle/diff.ts';
import { canonicalObject, stableStringify } from '../object/canonical.ts';
import type { KubeObject } from '../object/ref.ts';
import { elementKey, type FieldNode, managerSets, ownsPath, type PathElement, unionSets } from './fieldset.ts';

/** The field manager Drover applied with before each bundle had its own (lib/release/ownership.ts LEGACY_MANAGER). */
export const DROVER_MANAGER = 'drover';

/** Whether a field manager is Drover's: the single manager of earlier releases, or a bundle's `drover/<bundle>`. */
export const isDroverManager = (manager: string): boolean =>
  manager === DROVER_MANAGER || manager.startsWith(`${DROVER_MANAGER}/`);

export interface DriftField {
  /** Dotted path; keyed list items as `containers[name=web]`, set values as `finalizers[="x"]`. */
  path: string;
  /** What Drover applied (absent when it set nothing there); masked where secret. */
  desired?: unknown;
  /** What the cluster has now (absent when the field is gone); masked where secret. */
  live?: unknown;
  /** Managers that own the live field now (who changed it, as the API server recorded). */
  managers: string[];
}

export interface CompareInput {
  /** The member as Drover applies it (prepared, with ownership marks). */
  desired: KubeObject;
  live: KubeObject;
  /** Display-path prefixes never judged (e.g. `spec.replicas` of a workload an HPA in the bundle scales). */
  ignore?: readonly string[];
  /** Mask every value, not only a Secret's data (e.g. a member that was SOPS-encrypted in Git). */
  sensitive?: boolean;
  /** The managers whose fields hold what Drover applied (default: every Drover manager, `drover` and `drover/<bundle>`). */
  managers?: readonly string[];
}

interface Ctx {
  drover: FieldNode;
  others: { manager: string; set: FieldNode }[];
  secret: boolean;
  sensitive: boolean;
  ignore: readonly string[];
  out: DriftField[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;
const ENCRYPTED = /^ENC\[[A-Z0-9_]+,data:|-----BEGIN AGE ENCRYPTED FILE-----/;
/** Fields whose values are Kubernetes quantities (the server rewrites `0.5` as `500m`). */
const QUANTITY_PARENTS = new Set(['limits', 'requests', 'hard', 'sizeLimit', 'capacity', 'overhead', 'storage']);

const joinField = (shown: string, k: string) =>
  IDENT.test(k) ? (shown ? `${shown}.${k}` : k) : `${shown}[${JSON.stringify(k)}]`;
const fmtKey = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The desired object reduced to what Drover sets: no identity, status, server-set metadata or SOPS block; Secret stringData folded into data. */
function judgedPart(desired: KubeObject): Record<string, unknown> {
  const c = canonicalObject(desired) as Record<string, unknown>;
  const { apiVersion: _a, kind: _k, sops: _s, ...rest } = c;
  const { name: _n, namespace: _ns, ...metadata } = (rest.metadata ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...rest, metadata };
  if (desired.kind === 'Secret' && desired.apiVersion === 'v1' && isRecord(out.stringData)) {
    // The API server keeps stringData only as base64 in data; compare there.
    const folded = Object.fromEntries(
      Object.entries(out.stringData).map(([k, v]) => [k, Buffer.from(String(v), 'utf8').toString('base64')]),
    );
    out.data = { ...(isRecord(out.data) ? out.data : {}), ...folded };
    delete out.stringData;
  }
  return out;
}

function maskValue(ctx: Ctx, v: unknown, path: readonly PathElement[]): unknown {
  if (ctx.sensitive) return v === undefined ? undefined : MASK;
  const top = path[0];
  if (ctx.secret && top && 'field' in top && (top.field === 'data' || top.field === 'stringData')) {
    if (path.length === 1 && isRecord(v)) return Object.fromEntries(Object.keys(v).map((k) => [k, MASK]));
    return v === undefined ? undefined : MASK;
  }
  const deep = (x: unknown): unknown => {
    if (typeof x === 'string') return ENCRYPTED.test(x) ? MASK : x;
    if (Array.isArray(x)) return x.map(deep);
    if (isRecord(x)) return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, deep(y)]));
    return x;
  };
  return deep(v);
}

/** A Kubernetes quantity as a number (`500m` -> 0.5, `1Gi` -> 2^30), or undefined. */
export function parseQuantity(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return n * 1024 ** (['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'].indexOf(m[2]) + 1);
  if (m[3]) return n * 10 ** { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 }[m[3] as 'n'];
  if (m[4]) return n * 10 ** Number(m[4]);
  return n;
}

function scalarEqual(d: unknown, l: unknown, path: readonly PathElement[]): boolean {
  if (stableStringify(d) === stableStringify(l)) return true;
  const quantity = path.some((e) => 'field' in e && QUANTITY_PARENTS.has(e.field));
  if (!quantity) return false;
  const a = parseQuantity(d);
  const b = parseQuantity(l);
  return a !== undefined && b !== undefined && Math.abs(a - b) <= Math.abs(a) * 1e-12;
}

/** Desired covers live: same shape, every value the desired object sets is equal; live may carry more fields inside objects. */
function covers(d: unknown, l: unknown, path: readonly PathElement[]): boolean {
  if (d === null || d === undefined) return true;
  if (isRecord(d))
    return isRecord(l)
      ? Object.entries(d).every(([k, v]) => covers(v, l[k], [...path, { field: k }]))
      : Object.keys(d).length === 0 && l === undefined;
  if (Array.isArray(d)) {
    if (l === undefined || l === null) return d.length === 0;
    return Array.isArray(l) && l.length === d.length && d.every((v, i) => covers(v, l[i], [...path, { index: i }]));
  }
  return scalarEqual(d, l, path);
}

function differs(ctx: Ctx, d: unknown, l: unknown, path: PathElement[], shown: string): void {
  // Drover still owns the path: the live value is what Drover wrote there.
  if (ownsPath(ctx.drover, path)) return;
  const managers = [...new Set(ctx.others.filter((o) => ownsPath(o.set, path)).map((o) => o.manager))].sort();
  ctx.out.push({
    path: shown,
    ...(d === undefined ? {} : { desired: maskValue(ctx, d, path) }),
    ...(l === undefined ? {} : { live: maskValue(ctx, l, path) }),
    managers,
  });
}

const ignored = (ctx: Ctx, shown: string) =>
  ctx.ignore.some((p) => shown === p || shown.startsWith(`${p}.`) || shown.startsWith(`${p}[`));

function walk(
  ctx: Ctx,
  d: unknown,
  l: unknown,
  path: PathElement[],
  shown: string,
  shape: FieldNode | undefined,
): void {
  if (d === null || d === undefined || ignored(ctx, shown)) return;
  if (isRecord(d)) {
    const keys = Object.keys(d);
    // An empty map sets only its own presence (`emptyDir: {}`).
    if (keys.length === 0) {
      if (!isRecord(l)) differs(ctx, d, l, path, shown);
      return;
    }
    for (const k of keys)
      walk(
        ctx,
        d[k],
        isRecord(l) ? l[k] : undefined,
        [...path, { field: k }],
        joinField(shown, k),
        shape?.children.get(`f:${k}`),
      );
    return;
  }
  if (Array.isArray(d)) return walkList(ctx, d, l, path, shown, shape);
  if (!scalarEqual(d, l, path)) differs(ctx, d, l, path, shown);
}

type ListShape = { type: 'map'; keys: string[] } | { type: 'set' } | { type: 'atomic' };

/** How a list merges: from managedFields when any manager has it, else by its items (objects with a `name` are keyed by name). */
export function listShape(shape: FieldNode | undefined, items: readonly unknown[]): ListShape {
  for (const k of shape?.children.keys() ?? []) {
    if (k.startsWith('k:')) {
      try {
        return { type: 'map', keys: Object.keys(JSON.parse(k.slice(2)) as object) };
      } catch {
        return { type: 'atomic' };
      }
    }
    if (k.startsWith('v:')) return { type: 'set' };
    if (k.startsWith('i:')) return { type: 'atomic' };
  }
  if (shape?.leaf) return { type: 'atomic' };
  if (items.length > 0 && items.every((i) => isRecord(i) && typeof i.name === 'string'))
    return { type: 'map', keys: ['name'] };
  return { type: 'atomic' };
}

function findByKey(
  liveItems: readonly unknown[],
  item: Record<string, unknown>,
  keys: readonly string[],
): Record<string, unknown> | undefined {
  const candidates = liveItems.filter(
    (x): x is Record<string, unknown> =>
      isRecord(x) && keys.every((k) => item[k] === undefined || stableStringify(item[k]) === stableStringify(x[k])),
  );
  // A key field the desired item leaves out (a port's defaulted protocol) matches any value; an exact match wins.
  return candidates.find((x) => keys.every((k) => stableStringify(item[k]) === stableStringify(x[k]))) ?? candidates[0];
}

function walkList(
  ctx: Ctx,
  d: unknown[],
  l: unknown,
  path: PathElement[],
  shown: string,
  shape: FieldNode | undefined,
): void {
  const kind = listShape(shape, d);
  const liveItems = Array.isArray(l) ? l : [];
  if (d.length === 0) {
    if (kind.type === 'atomic' && liveItems.length > 0) differs(ctx, d, l, path, shown);
    return;
  }
  if (kind.type === 'map' && d.every(isRecord)) {
    for (const item of d) {
      const match = findByKey(liveItems, item, kind.keys);
      const key = Object.fromEntries(
        kind.keys.filter((k) => (match ?? item)[k] !== undefined).map((k) => [k, (match ?? item)[k]]),
      );
      const el: PathElement = { key };
      const itemShown = `${shown}[${kind.keys
        .filter((k) => item[k] !== undefined)
        .map((k) => `${k}=${fmtKey(item[k])}`)
        .join(',')}]`;
      if (!match) differs(ctx, item, undefined, [...path, el], itemShown);
      else walk(ctx, item, match, [...path, el], itemShown, shape?.children.get(elementKey(el)));
    }
    return;
  }
  if (kind.type === 'set') {
    for (const item of d) {
      if (liveItems.some((x) => stableStringify(x) === stableStringify(item))) continue;
      differs(ctx, item, undefined, [...path, { value: item }], `${shown}[=${JSON.stringify(item)}]`);
    }
    return;
  }
  if (!covers(d, l, path)) differs(ctx, d, l, path, shown);
}

/** Field-level drift of `live` against `desired`, sorted by path. Empty when the object matches. */
export function compareObject({ desired, live, ignore = [], sensitive = false, managers }: CompareInput): DriftField[] {
  const sets = managerSets(live);
  const mine = (m: string) => (managers ? managers.includes(m) : isDroverManager(m));
  const ctx: Ctx = {
    drover: unionSets(sets.filter((s) => mine(s.manager)).map((s) => s.set)),
    others: sets.filter((s) => !mine(s.manager)).map((s) => ({ manager: s.manager, set: s.set })),
    secret: desired.kind === 'Secret' && desired.apiVersion === 'v1',
    sensitive,
    ignore,
    out: [],
  };
  const shape = unionSets(sets.map((s) => s.set));
  const want = judgedPart(desired);
  const have = live as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(want)) walk(ctx, v, have[k], [{ field: k }], k, shape.children.get(`f:${k}`));
  return ctx.out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
