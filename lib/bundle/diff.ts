/**
 * Differences between two sets of members (two versions, or a version and
 * what a cluster runs): which members were added, removed or changed, and
 * for each changed member the fields, with old and new values. Objects are
 * compared in canonical form (no status, no server-set metadata). Values that
 * must not be shown are masked as `***`: every value under a Secret's `data`
 * and `stringData` (its keys stay visible), anything SOPS- or age-encrypted,
 * in any kind, and every value of a member that was SOPS-encrypted in Git,
 * whatever its kind (a ConfigMap encrypted with sops is as secret as a
 * Secret): one that still carries its `sops` block, or one the caller marks
 * `sensitive` (decrypted to be applied, as a cluster diff's is). Its field
 * paths and map keys stay visible. A changed secret value still shows as
 * changed.
 *
 * Arrays are compared by index: a container inserted before others shows as
 * changes to every later index, which is what a strategic merge would do to
 * fields Drover owns anyway.
 *
 * @example
 *   diffObjects({ before, after })
 *   // => [{ path: 'spec.template.spec.containers[0].image', pointer: '/spec/template/spec/containers/0/image', op: 'changed', before: 'api:1', after: 'api:2' }]
 */
import { canonicalObject, stableStringify } from '../object/canonical.ts';

import { formatRef, refKey, refOf, type KubeObject, type ObjectRef } from '../object/ref.ts';
import { isSopsEncrypted } from '../sops/detect.ts';

export const MASK = '***';

export interface FieldChange {
  /** Dotted path: `spec.template.spec.containers[0].image`, `metadata.labels["app.kubernetes.io/name"]`. */
  path: string;
  /** The same as an RFC 6901 JSON pointer. */
  pointer: string;
  op: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

export interface MemberDiff {
  ref: ObjectRef;
  fields: FieldChange[];
}

export interface MembersDiff {
  added: ObjectRef[];
  removed: ObjectRef[];
  changed: MemberDiff[];
  unchanged: ObjectRef[];
}

type Segment = string | number;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Dotted form of a path. */
export function formatFieldPath(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENT.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function pointerOf(segments: readonly Segment[]): string {
  return segments.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

const ENCRYPTED = /^ENC\[[A-Z0-9_]+,data:|-----BEGIN AGE ENCRYPTED FILE-----/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every scalar of `value` replaced by `***`; map keys and list lengths kept. */
function maskAll(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskAll);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v)]));
  return MASK;
}

/** Whether an object was SOPS-encrypted in Git: it carries sops' metadata block (lib/sops/detect.ts). */
export const wasEncrypted = (obj: KubeObject | undefined): boolean => obj !== undefined && isSopsEncrypted(obj);

/** `value` found at `path` in an object of kind `kind`, with anything secret replaced by `***`. */
function mask(value: unknown, path: readonly Segment[], secret: boolean | 'all'): unknown {
  if (secret === 'all') return maskAll(value);
  if (secret && (path[0] === 'data' || path[0] === 'stringData')) {
    if (path.length === 1 && isRecord(value)) return Object.fromEntries(Object.keys(value).map((k) => [k, MASK]));
    if (path.length >= 2) return MASK;
  }
  if (typeof value === 'string') return ENCRYPTED.test(value) ? MASK : value;
  if (Array.isArray(value)) return value.map((v, i) => mask(v, [...path, i], secret));
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, [...path, k], secret)]));
  return value;
}

/** A copy of an object safe to show: Secret values and encrypted values masked; a SOPS-encrypted object's identity only. */
export function maskSecrets<T extends KubeObject>(obj: T): T {
  if (wasEncrypted(obj)) {
    const { apiVersion, kind, metadata } = obj;
    return {
      ...(maskAll(obj) as T),
      apiVersion,
      kind,
      metadata: { name: metadata.name, ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }) },
    };
  }
  return mask(obj, [], obj.kind === 'Secret' && obj.apiVersion === 'v1') as T;
}

/**
 * Field-level changes from `before` to `after` (both compared in canonical form), sorted by path.
 * `sensitive`: every value is masked (the member was SOPS-encrypted in Git and is shown decrypted);
 * it is implied when either side still carries its `sops` block.
 */
export function diffObjects({
  before,
  after,
  sensitive = false,
}: {
  before: KubeObject;
  after: KubeObject;
  sensitive?: boolean;
}): FieldChange[] {
  const secret =
    sensitive || wasEncrypted(before) || wasEncrypted(after)
      ? 'all'
      : (before.kind === 'Secret' && before.apiVersion === 'v1') ||
        (after.kind === 'Secret' && after.apiVersion === 'v1');
  const out: FieldChange[] = [];
  const change = (op: FieldChange['op'], path: Segment[], b: unknown, a: unknown) => {
    out.push({
      path: formatFieldPath(path),
      pointer: pointerOf(path),
      op,
      ...(op === 'added' ? {} : { before: mask(b, path, secret) }),
      ...(op === 'removed' ? {} : { after: mask(a, path, secret) }),
    });
  };
  const walk = (b: unknown, a: unknown, path: Segment[]) => {
    if (isRecord(b) && isRecord(a)) {
      for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
        const inB = Object.hasOwn(b, key) && b[key] !== undefined;
        const inA = Object.hasOwn(a, key) && a[key] !== undefined;
        if (inB && inA) walk(b[key], a[key], [...path, key]);
        else if (inA) change('added', [...path, key], undefined, a[key]);
        else if (inB) change('removed', [...path, key], b[key], undefined);
      }
      return;
    }
    if (Array.isArray(b) && Array.isArray(a)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (i >= b.length) change('added', [...path, i], undefined, a[i]);
        else if (i >= a.length) change('removed', [...path, i], b[i], undefined);
        else walk(b[i], a[i], [...path, i]);
      }
      return;
    }
    if (stableStringify(b) !== stableStringify(a)) change('changed', path, b, a);
  };
  walk(canonicalObject(before), canonicalObject(after), []);
  return out;
}

function sortRefs(refs: ObjectRef[]): ObjectRef[] {
  return refs.sort((x, y) => {
    const a = formatRef(x);
    const b = formatRef(y);
    return a < b ? -1 : a > b ? 1 : refKey(x) < refKey(y) ? -1 : 1;
  });
}

/** Which members were added, removed, changed (with field changes) or left unchanged, each list sorted by `Kind/namespace/name`. */
export function diffMembers({
  before,
  after,
}: {
  before: readonly KubeObject[];
  after: readonly KubeObject[];
}): MembersDiff {
  const old = new Map(before.map((o) => [refKey(refOf(o)), o]));
  const seen = new Set<string>();
  const result: MembersDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const a of after) {
    const ref = refOf(a);
    const key = refKey(ref);
    seen.add(key);
    const b = old.get(key);
    if (!b) {
      result.added.push(ref);
      continue;
    }
    const fields = diffObjects({ before: b, after: a });
    if (fields.length === 0) result.unchanged.push(ref);
    else result.changed.push({ ref, fields });
  }
  for (const [key, b] of old) if (!seen.has(key)) result.removed.push(refOf(b));
  sortRefs(result.added);
  sortRefs(result.removed);
  sortRefs(result.unchanged);
  result.changed.sort((x, y) => (formatRef(x.ref) < formatRef(y.ref) ? -1 : 1));
  return result;
}
