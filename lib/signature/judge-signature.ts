/**
 * Whether the signatures found for a version make it a signed version: the
 * rule, with no I/O. A bundle counts when one of its signatures verifies,
 * with one of the trusted keys (several may be trusted, so keys can rotate;
 * any one suffices), over a cosign image-signature statement naming exactly
 * this digest. Otherwise the most telling reason wins, in this order:
 * `other-digest` (a good signature by a trusted key, for another version:
 * a signature copied across), `bad-signature` (a bundle naming a trusted key
 * whose signature does not verify, or one that cannot be read),
 * `untrusted-key` (signed, but by no key trusted here), `unsigned` (no
 * signature at all).
 *
 * @example
 *   judgeSignatures({ bundles: [bytes], digest, trustedKeys }) // { ok: true, keyId: 'sha256:...' }
 */
import { verify } from 'node:crypto';
import type { TrustedKey } from './public-key.ts';
import { pae, parseBundle, signedDigests } from './sigstore-bundle.ts';

export type SignatureRefusal = 'unsigned' | 'bad-signature' | 'untrusted-key' | 'other-digest';
export const SIGNATURE_REFUSALS: readonly SignatureRefusal[] = [
  'other-digest',
  'bad-signature',
  'untrusted-key',
  'unsigned',
];

export type SignatureVerdict = { ok: true; keyId: string } | { ok: false; reason: SignatureRefusal; detail: string };

/** One bundle judged against the trusted keys for `digest`. */
export function judgeBundle({
  bytes,
  digest,
  trustedKeys,
}: {
  bytes: Uint8Array;
  digest: string;
  trustedKeys: readonly TrustedKey[];
}): SignatureVerdict {
  const parsed = parseBundle(bytes);
  if (!parsed.ok) return { ok: false, reason: 'bad-signature', detail: `unreadable bundle: ${parsed.why}` };
  const { envelope, hint } = parsed.bundle;
  const signed = pae(envelope);
  const key = trustedKeys.find((k) =>
    envelope.signatures.some((sig) => {
      try {
        return verify('sha256', signed, k.key, sig);
      } catch {
        return false;
      }
    }),
  );
  if (!key) {
    const named = trustedKeys.some((k) => k.keyId === hint);
    return named
      ? { ok: false, reason: 'bad-signature', detail: `signature does not verify with trusted key ${hint}` }
      : { ok: false, reason: 'untrusted-key', detail: `signed by ${hint ? `key ${hint}` : 'a key'} not trusted here` };
  }
  const digests = signedDigests(envelope);
  if (!digests) return { ok: false, reason: 'bad-signature', detail: 'not a cosign image signature statement' };
  if (!digests.includes(digest))
    return { ok: false, reason: 'other-digest', detail: `signature by ${key.keyId} is for ${digests.join(', ')}` };
  return { ok: true, keyId: key.keyId };
}

/** Every bundle found for `digest` judged: the first that verifies, else the most telling refusal (see the module's doc). */
export function judgeSignatures({
  bundles,
  digest,
  trustedKeys,
}: {
  bundles: readonly Uint8Array[];
  digest: string;
  trustedKeys: readonly TrustedKey[];
}): SignatureVerdict {
  const verdicts = bundles.map((bytes) => judgeBundle({ bytes, digest, trustedKeys }));
  const good = verdicts.find((v) => v.ok);
  if (good) return good;
  for (const reason of SIGNATURE_REFUSALS) {
    const v = verdicts.find((x) => !x.ok && x.reason === reason);
    if (v) return v;
  }
  return { ok: false, reason: 'unsigned', detail: `no signature found for ${digest}` };
}
