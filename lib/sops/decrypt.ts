/**
 * Decrypts a SOPS-encrypted Kubernetes object in memory, as `sops --decrypt`
 * would, for age master keys: recover the data key with one of the given age
 * identities, decrypt every value sops encrypted (AES-256-GCM, the value's
 * key path as additional data), restore each value's type, and check the MAC
 * over all values so that any change to the file after encryption — a value,
 * its type, its place, a key — is refused. Returns a new object without the
 * `sops` map; the input is not changed and nothing is written anywhere.
 *
 * Errors name the object as `Kind/namespace/name` from its cleartext parts
 * and, for a value, its key path; they never carry a decrypted value nor an
 * identity (not even as `cause`).
 *
 * Drover decrypts SOPS itself because SOPS exists only as the Go tool: there
 * is no Node library for it, and shelling out to a `sops` binary at apply
 * time would add a program to install and trust. The age step uses
 * age-encryption; the rest is node:crypto.
 *
 * @example
 *   const secret = await decryptSopsObject({ object: member.object, identities: [keyFileText] });
 *   secret.stringData // { password: '...' }
 */
import { timingSafeEqual } from 'node:crypto';
import { InvalidInputError } from '../errors/errors.ts';
import type { KubeObject } from '../object/ref.ts';
import { unwrapDataKey } from './data-key.ts';
import { parseAgeIdentities } from './keys.ts';
import { leafBytes, macAdditionalData, startMac } from './mac.ts';
import { describeDocument, isDict, readSopsMetadata } from './metadata.ts';
import { compileRules } from './rules.ts';
import { ValueCipherError, decryptValue, type ValueFailure } from './value-cipher.ts';

export interface DecryptSopsObjectArgs {
  /** The parsed document, with its top-level `sops` map (YAML or JSON as the sops CLI wrote it). */
  object: Readonly<Record<string, unknown>>;
  /** Age identities: `AGE-SECRET-KEY-1...` strings, or whole key-file texts (several lines, comments allowed). */
  identities: readonly string[];
  signal?: AbortSignal;
}

const FAILURE_TEXT: Record<ValueFailure, string> = {
  malformed: 'is not a well-formed SOPS value',
  authentication: 'fails AES-GCM authentication (altered, or moved to another key path)',
  type: 'does not decrypt to a value of its declared type',
};

// JavaScript objects put integer-like keys first, whatever their order in the file; the MAC follows file order.
const INDEX_LIKE = /^(0|[1-9]\d{0,8})$/;

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isKubeObject(v: Record<string, unknown>): v is KubeObject {
  return (
    typeof v.apiVersion === 'string' &&
    typeof v.kind === 'string' &&
    isDict(v.metadata) &&
    typeof v.metadata.name === 'string'
  );
}

/**
 * Checks the document's stored MAC (decrypted with the data key, bound to
 * `lastmodified`) against the one computed over its values; a mismatch is
 * refused, with a hint when index-like map keys may have been reordered.
 */
function verifyMac({
  ref,
  stored,
  lastModified,
  key,
  computed,
  indexLikeKeys,
}: {
  ref: string;
  stored: string;
  lastModified: string;
  key: Uint8Array;
  computed: Buffer;
  indexLikeKeys: boolean;
}): void {
  let mac: unknown;
  try {
    mac = decryptValue({ text: stored, key, aad: macAdditionalData(lastModified) }).value;
  } catch {
    throw new InvalidInputError(`${ref}: the SOPS MAC does not decrypt: its "mac" or "lastmodified" was altered`, {
      data: { ref },
    });
  }
  const expected = typeof mac === 'string' && /^[0-9A-Fa-f]{128}$/.test(mac) ? Buffer.from(mac, 'hex') : undefined;
  if (expected === undefined || !timingSafeEqual(expected, computed)) {
    const hint = indexLikeKeys
      ? ' (note: map keys that look like array indices are reordered by JavaScript objects, which changes what the MAC covers)'
      : '';
    throw new InvalidInputError(`${ref}: SOPS MAC mismatch: the document was altered after it was encrypted${hint}`, {
      data: { ref, reason: 'mac-mismatch' },
    });
  }
}

export async function decryptSopsObject({ object, identities, signal }: DecryptSopsObjectArgs): Promise<KubeObject> {
  signal?.throwIfAborted();
  if (!isDict(object)) throw new InvalidInputError('a SOPS document must be a map', { data: {} });
  const ref = describeDocument(object);
  const meta = readSopsMetadata(object, ref);
  const encryptedAt = compileRules(meta.rules, ref);
  const keyTexts = identities.filter((t) => t.trim() !== '');
  const ids =
    keyTexts.length === 0 ? [] : parseAgeIdentities({ text: keyTexts.join('\n'), source: `age identities for ${ref}` });
  const key = await unwrapDataKey({ groups: meta.keyGroups, identities: ids, ref, signal });
  signal?.throwIfAborted();

  const hash = startMac(meta.macOnlyEncrypted);
  let indexLikeKeys = false;
  const fail = (path: readonly string[], what: string) =>
    new InvalidInputError(`${ref}: the value at ${path.join('.') || '(root)'} ${what}`, {
      data: { ref, path: [...path] },
    });

  const leaf = (value: unknown, path: readonly string[]): unknown => {
    if (encryptedAt(path, value)) {
      if (typeof value !== 'string') throw fail(path, `should be SOPS-encrypted but is a ${typeof value}`);
      if (value === '') return value; // sops leaves empty strings as they are; they add nothing to the MAC
      try {
        const out = decryptValue({ text: value, key, aad: `${path.join(':')}:` });
        if (out.macBytes) hash.update(out.macBytes);
        return out.value;
      } catch (err) {
        if (err instanceof ValueCipherError) throw fail(path, FAILURE_TEXT[err.reason]);
        throw err;
      }
    }
    if (!meta.macOnlyEncrypted) {
      let bytes: Buffer | undefined;
      try {
        bytes = leafBytes(value);
      } catch {
        throw fail(path, `has a type SOPS cannot hold (${typeof value})`);
      }
      if (bytes) hash.update(bytes);
    }
    return value;
  };

  // sops.walkBranch / walkSlice: map keys extend the path, list items do not; nulls are neither decrypted nor hashed.
  const walk = (value: unknown, path: readonly string[]): unknown => {
    if (value === null || value === undefined) return value;
    if (Array.isArray(value)) return value.map((v: unknown) => walk(v, path));
    if (isDict(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (INDEX_LIKE.test(k)) indexLikeKeys = true;
        setOwn(out, k, walk(v, [...path, k]));
      }
      return out;
    }
    return leaf(value, path);
  };

  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) {
    if (k === 'sops') continue;
    if (INDEX_LIKE.test(k)) indexLikeKeys = true;
    setOwn(plain, k, walk(v, [k]));
  }
  signal?.throwIfAborted();

  verifyMac({ ref, stored: meta.mac, lastModified: meta.lastModified, key, computed: hash.digest(), indexLikeKeys });

  if (!isKubeObject(plain))
    throw new InvalidInputError(
      `${ref}: the decrypted document is not a Kubernetes object (apiVersion, kind, metadata.name)`,
      { data: { ref } },
    );
  return plain;
}
