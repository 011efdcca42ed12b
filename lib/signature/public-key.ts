/**
 * A public key Drover trusts to sign versions, and the id it is named by.
 * Keys are ECDSA P-256 in PEM (SubjectPublicKeyInfo), the form `cosign
 * generate-key-pair` and `drover keys generate` write, read with node:crypto.
 * The key id is `sha256:<hex>` of the key's DER encoding: stable, short
 * enough to print, and the same whoever computes it from the same key.
 *
 * @example
 *   const key = parsePublicKey({ pem, name: 'drover.pub' });
 *   key.keyId // 'sha256:3f1c...'
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { InvalidInputError } from '../errors/errors.ts';

export interface TrustedKey {
  keyId: string;
  /** The key as PEM (SubjectPublicKeyInfo). */
  pem: string;
  key: KeyObject;
}

/** The id of a public key: `sha256:` and the hex of its DER (SubjectPublicKeyInfo) encoding. */
export function keyIdOf({ key }: { key: KeyObject }): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/** Reads a PEM public key, refusing anything but ECDSA P-256; `name` says where it came from in the error. */
export function parsePublicKey({ pem, name }: { pem: string; name: string }): TrustedKey {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new InvalidInputError(`${name}: not a PEM public key`, { data: { key: name }, cause: err });
  }
  assertP256({ key, name });
  const spki = key.export({ type: 'spki', format: 'pem' }).toString();
  return { keyId: keyIdOf({ key }), pem: spki, key };
}

/** Refuses a key that is not ECDSA on P-256 (the one curve cosign and Drover's signatures use). */
export function assertP256({ key, name }: { key: KeyObject; name: string }): void {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || (curve !== 'prime256v1' && curve !== 'P-256')) {
    throw new InvalidInputError(
      `${name}: a ${key.asymmetricKeyType ?? 'unknown'} key${curve ? ` on ${curve}` : ''}; Drover signs and verifies with ECDSA P-256 only`,
      { data: { key: name, type: key.asymmetricKeyType ?? null, curve: curve ?? null } },
    );
  }
}
