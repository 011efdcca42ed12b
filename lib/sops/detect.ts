/**
 * Whether a parsed document is SOPS-encrypted, and for whom — read from the
 * cleartext `sops` map only, without any key. A document is SOPS-encrypted
 * when it has a top-level `sops` map with a `mac` and at least one master key
 * (age, or any other kind sops supports, at the top level or in
 * `key_groups`).
 *
 * @example
 *   isSopsEncrypted(object)  // => true
 *   sopsRecipients(object)   // => [{ type: 'age', recipient: 'age1...' }]
 */
import { isDict, keyGroupsOf } from './metadata.ts';

export type SopsKeyType = 'age' | 'pgp' | 'kms' | 'gcp_kms' | 'azure_kv' | 'hc_vault';

export interface SopsRecipient {
  type: SopsKeyType;
  /** The age recipient (`age1...`), PGP fingerprint, KMS ARN, resource id or vault URL: public identifiers. */
  recipient: string;
}

export function isSopsEncrypted(object: unknown): boolean {
  if (!isDict(object) || !isDict(object.sops)) return false;
  const { sops } = object;
  return typeof sops.mac === 'string' && sops.mac !== '' && keyGroupsOf(sops).length > 0;
}

/** Every master key of the document, age first within each group; empty when it is not SOPS-encrypted. */
export function sopsRecipients(object: unknown): SopsRecipient[] {
  if (!isDict(object) || !isDict(object.sops)) return [];
  return keyGroupsOf(object.sops).flatMap((g) => [
    ...g.age.map((a): SopsRecipient => ({ type: 'age', recipient: a.recipient })),
    ...g.other.map((o): SopsRecipient => ({ type: o.type, recipient: o.id })),
  ]);
}
