/**
 * Reads the `sops` metadata map of a SOPS-encrypted document, as the real
 * `sops` CLI writes it (getsops/sops `stores.Metadata`): the master keys (age,
 * and the other kinds only so they can be named), `lastmodified`, the
 * encrypted `mac`, and the rules that decide which values are encrypted.
 * Pure, and lenient only where sops is: unknown fields are ignored.
 *
 * Also names the document for messages as `Kind/namespace/name`, taking each
 * part only when it is cleartext, so a fully encrypted document is named
 * without decrypting (and without printing) anything.
 *
 * @example
 *   const meta = readSopsMetadata(object, 'Secret/web/db');
 *   meta.keyGroups[0]?.age // [{ recipient: 'age1...', enc: '-----BEGIN AGE ENCRYPTED FILE-----...' }]
 */
import { InvalidInputError } from '../errors/errors.ts';
import { formatRef } from '../object/ref.ts';

/** One age master key: the public recipient and the data key encrypted to it (armored age file). */
export interface AgeStanza {
  recipient: string;
  enc: string;
}

/** A master key sops supports that is not age: kept only to name it in messages. */
export interface OtherMasterKey {
  type: 'pgp' | 'kms' | 'gcp_kms' | 'azure_kv' | 'hc_vault';
  /** Fingerprint, ARN, resource id or URL: public identifiers, never key material. */
  id: string;
}

export interface KeyGroup {
  age: AgeStanza[];
  other: OtherMasterKey[];
}

/** Which values sops encrypted: the `*_suffix` and `*_regex` fields of the metadata. */
export interface EncryptionRules {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
  unencryptedCommentRegex?: string;
  encryptedCommentRegex?: string;
}

export interface SopsMetadata {
  /** One group unless Shamir secret sharing is used (`key_groups` with several entries). */
  keyGroups: KeyGroup[];
  shamirThreshold?: number;
  /** As written (`"2024-05-01T10:00:00Z"`); the MAC's additional data is derived from it. */
  lastModified: string;
  /** `ENC[AES256_GCM,...]` holding the upper-case hex SHA-512 of the values. */
  mac: string;
  macOnlyEncrypted: boolean;
  rules: EncryptionRules;
  version?: string;
}

type Dict = Record<string, unknown>;

export function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);
}

const ENC_PREFIX = 'ENC[';

function cleartext(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' && !v.startsWith(ENC_PREFIX) ? v : undefined;
}

/**
 * `Kind/namespace/name` from the cleartext parts of a (possibly encrypted)
 * document; an encrypted or missing part reads `(encrypted)` / `?`.
 */
export function describeDocument(doc: unknown): string {
  if (!isDict(doc)) return '?';
  const part = (v: unknown) =>
    cleartext(v) ?? (typeof v === 'string' && v.startsWith(ENC_PREFIX) ? '(encrypted)' : '?');
  const meta = doc.metadata;
  const namespace = isDict(meta) && meta.namespace !== undefined ? part(meta.namespace) : '';
  return formatRef({ kind: part(doc.kind), namespace, name: isDict(meta) ? part(meta.name) : '?' });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function list(v: unknown): Dict[] {
  return Array.isArray(v) ? v.filter(isDict) : [];
}

function keyGroupOf(m: Dict): KeyGroup {
  const age: AgeStanza[] = [];
  for (const k of list(m.age)) {
    if (typeof k.recipient === 'string' && typeof k.enc === 'string') age.push({ recipient: k.recipient, enc: k.enc });
  }
  const other: OtherMasterKey[] = [];
  for (const k of list(m.pgp)) other.push({ type: 'pgp', id: String(k.fp ?? '?') });
  for (const k of list(m.kms)) other.push({ type: 'kms', id: String(k.arn ?? '?') });
  for (const k of list(m.gcp_kms)) other.push({ type: 'gcp_kms', id: String(k.resource_id ?? '?') });
  for (const k of list(m.azure_kv))
    other.push({ type: 'azure_kv', id: `${String(k.vault_url ?? '?')}/${String(k.name ?? '?')}` });
  for (const k of list(m.hc_vault))
    other.push({
      type: 'hc_vault',
      id: `${String(k.vault_address ?? '?')}/${String(k.engine_path ?? '?')}/${String(k.key_name ?? '?')}`,
    });
  return { age, other };
}

/** The key groups of a `sops` map: `key_groups` when present, else the top-level keys as one group. */
export function keyGroupsOf(sops: Dict): KeyGroup[] {
  if (Array.isArray(sops.key_groups) && sops.key_groups.length > 0) return list(sops.key_groups).map(keyGroupOf);
  const group = keyGroupOf(sops);
  return group.age.length + group.other.length > 0 ? [group] : [];
}

/** Go's time.Time formatted as RFC 3339 (what sops hashes into the MAC's additional data). */
function lastModifiedOf(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString().replace(/\.\d+Z$/, 'Z');
  return str(v);
}

/**
 * Reads and checks the `sops` map of `doc`. Throws InvalidInputError naming
 * `ref` when it is missing or lacks `mac`, `lastmodified` or any master key.
 */
export function readSopsMetadata(doc: Dict, ref: string): SopsMetadata {
  const sops = doc.sops;
  if (!isDict(sops))
    throw new InvalidInputError(`${ref} has no SOPS metadata (top-level "sops" map)`, { data: { ref } });
  const lastModified = lastModifiedOf(sops.lastmodified);
  const mac = str(sops.mac);
  if (lastModified === undefined || mac === undefined) {
    throw new InvalidInputError(`${ref} has malformed SOPS metadata: "mac" and "lastmodified" are required`, {
      data: { ref },
    });
  }
  const keyGroups = keyGroupsOf(sops);
  if (keyGroups.length === 0)
    throw new InvalidInputError(`${ref} has SOPS metadata without any master key`, { data: { ref } });
  const rules: EncryptionRules = {};
  const ruleFields = [
    ['unencrypted_suffix', 'unencryptedSuffix'],
    ['encrypted_suffix', 'encryptedSuffix'],
    ['unencrypted_regex', 'unencryptedRegex'],
    ['encrypted_regex', 'encryptedRegex'],
    ['unencrypted_comment_regex', 'unencryptedCommentRegex'],
    ['encrypted_comment_regex', 'encryptedCommentRegex'],
  ] as const;
  for (const [field, key] of ruleFields) {
    const v = str(sops[field]);
    if (v !== undefined) rules[key] = v;
  }
  const meta: SopsMetadata = {
    keyGroups,
    lastModified,
    mac,
    macOnlyEncrypted: sops.mac_only_encrypted === true,
    rules,
  };
  if (typeof sops.shamir_threshold === 'number') meta.shamirThreshold = sops.shamir_threshold;
  const version = str(sops.version);
  if (version !== undefined) meta.version = version;
  return meta;
}
