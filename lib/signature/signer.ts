/**
 * What signs a version: anything that can sign bytes with an ECDSA P-256 key
 * and say which key that is. `keySigner` holds a PEM private key in memory
 * (drover.yaml `signing.keyFile` or `signing.keyEnv`); a KMS signer can
 * implement the same interface later without the rest changing. The private
 * key never leaves the signer: not in its fields, not in an error (a key that
 * cannot be read is named by where it came from, never by its content).
 *
 * Why node:crypto and not a sigstore library: Drover needs exactly one
 * ECDSA P-256 signature over a DSSE envelope, with no transparency log and no
 * certificate authority; node:crypto does that offline, and the npm list of
 * this machine has no @sigstore/* package whose signing works without Fulcio
 * or Rekor, so the bundle is written by hand (sigstore-bundle.ts), to the
 * format cosign verifies (tested against the real cosign CLI).
 *
 * @example
 *   const signer = keySigner({ privateKeyPem, name: 'signing.keyFile .drover/keys/drover.key' });
 *   const sig = await signer.sign(payload); // DER-encoded ECDSA signature over sha256(payload)
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { InvalidInputError } from '../errors/errors.ts';
import { assertP256, keyIdOf } from './public-key.ts';

export interface Signer {
  /** `sha256:<hex>` of the public key (public-key.ts `keyIdOf`). */
  readonly keyId: string;
  /** The public key as PEM (SubjectPublicKeyInfo): what a verifier trusts. */
  readonly publicKeyPem: string;
  /** An ECDSA P-256 signature (DER) over SHA-256 of the payload. */
  sign(payload: Uint8Array): Promise<Uint8Array>;
}

/** A signer over a PEM private key (PKCS#8 or SEC1, unencrypted); `name` says where the key came from, for errors. */
export function keySigner({ privateKeyPem, name }: { privateKeyPem: string; name: string }): Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: privateKeyPem, format: 'pem' });
  } catch (err) {
    // The parser's message may quote the input: keep only the fact, never the cause's text.
    throw new InvalidInputError(`${name}: not an unencrypted PEM private key`, {
      data: { key: name, reason: err instanceof Error && 'code' in err ? String(err.code) : 'unreadable' },
    });
  }
  const publicKey = createPublicKey(key);
  assertP256({ key: publicKey, name });
  const keyId = keyIdOf({ key: publicKey });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    keyId,
    publicKeyPem,
    sign: (payload) => Promise.resolve(new Uint8Array(sign('sha256', payload, key))),
  };
}
