/**
 * The canonical form of an object and its content digest: what Drover means by
 * "the same object". Status, server-set metadata and kubectl's
 * last-applied annotation are dropped (they say nothing about what the user
 * wrote), keys are sorted recursively (by UTF-16 code units, as RFC 8785) and
 * the JSON has no whitespace, so key order, comments, YAML style and
 * formatting never change a digest.
 *
 * One exception: a SOPS-encrypted object (it has a `sops` map) keeps its
 * document key order, because its MAC is computed over its values in walk
 * order; sorting the keys would make every later decryption fail the MAC
 * check. Its ciphertext changes on every encryption anyway, so a digest that
 * depends on key order costs nothing.
 *
 * @example
 *   contentDigest({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', uid: 'x' } })
 *   // same as contentDigest({ kind: 'ConfigMap', metadata: { name: 'a' }, apiVersion: 'v1' })
 */
import { createHash } from 'node:crypto';

/** `sha256:<64 lowercase hex>`. */
export type ContentDigest = `sha256:${string}`;

/** Metadata fields the API server sets; never part of what a user declares. */
export const SERVER_SET_METADATA: readonly string[] = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * A copy of `obj` without status, server-set metadata, the last-applied
 * annotation, and annotations/labels maps left empty. The input is not changed.
 */
export function canonicalObject<T extends object>(obj: T): T {
  const copy: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  delete copy.status;
  const metadata = copy.metadata;
  if (isPlainObject(metadata)) {
    const md: Record<string, unknown> = { ...metadata };
    for (const field of SERVER_SET_METADATA) delete md[field];
    if (isPlainObject(md.annotations)) {
      const annotations = { ...md.annotations };
      delete annotations[LAST_APPLIED_ANNOTATION];
      md.annotations = annotations;
    }
    for (const field of ['annotations', 'labels']) {
      const value = md[field];
      if (value === null || (isPlainObject(value) && Object.keys(value).length === 0)) delete md[field];
    }
    copy.metadata = md;
  }
  return copy as T;
}

/** Canonical JSON of a plain JSON value: sorted keys, no whitespace. `undefined` members are dropped as JSON.stringify does. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const json = JSON.stringify(value);
    return json === undefined ? 'null' : json;
  }
  if (Array.isArray(value)) return `[${value.map((v) => stableStringify(v)).join(',')}]`;
  const parts: string[] = [];
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(key)}:${stableStringify(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The canonical JSON text of an object (see the module comment). */
export function canonicalJson(obj: object): string {
  const canonical = canonicalObject(obj);
  return isSopsDocument(canonical) ? JSON.stringify(canonical) : stableStringify(canonical);
}

/** A SOPS-encrypted document: its `sops` map carries a MAC over its values in document order. */
function isSopsDocument(obj: object): boolean {
  const sops = (obj as Record<string, unknown>).sops;
  return isPlainObject(sops) && typeof sops.mac === 'string';
}

/** The canonical JSON of an object as UTF-8 bytes: the bytes its digest is computed over. */
export function canonicalBytes(obj: object): Uint8Array {
  return new TextEncoder().encode(canonicalJson(obj));
}

/** `sha256:<hex>` of some bytes. */
export function sha256(bytes: Uint8Array | string): ContentDigest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The content digest of an object: sha256 of its canonical JSON. */
export function contentDigest(obj: object): ContentDigest {
  return sha256(canonicalBytes(obj));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
