/**
 * A new ECDSA P-256 key pair in PEM: the private key as unencrypted PKCS#8
 * (what `signing.keyFile` reads), the public key as SubjectPublicKeyInfo
 * (what `cosign verify --key` and a verifier's trusted keys read). Writing
 * them to disk, the private one 0600, is the caller's (lib/verbs/keys-generate.ts).
 *
 * @example
 *   const { privateKeyPem, publicKeyPem, keyId } = generateKeyPair();
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { keyIdOf } from './public-key.ts';

export interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}

export function generateKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf({ key: createPublicKey(privateKey) }),
  };
}
