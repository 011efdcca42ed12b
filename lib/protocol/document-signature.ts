/**
 * The signature of an agent-protocol document (protocol 2): an ECDSA P-256
 * signature (DER, base64) over SHA-256 of the exact UTF-8 bytes of the
 * document annotation's string value, carried beside it in the same
 * manifest's annotations (`drover.dev/signature`, and `drover.dev/key` naming
 * the signer's key id), so a reader needs no request beyond the one GET of
 * the manifest. What is signed is the text as it travels: a reader verifies
 * before it parses, and no re-serialization can make two readers disagree.
 *
 * A reader trusting no key accepts a document whether signed or not (it
 * cannot tell, and says so at start-up); a reader trusting keys accepts only
 * a document signed by one of them (any one suffices, so keys can rotate).
 *
 * @example
 *   const { signature, keyId } = await signDocument({ text, signer });
 *   judgeDocumentSignature({ text, signature, keyId, trustedKeys }); // { ok: true, keyId } | { ok: false, reason, detail }
 */
import { verify } from 'node:crypto';
import type { TrustedKey } from '../signature/public-key.ts';
import type { Signer } from '../signature/signer.ts';

export const SIGNATURE_ANNOTATION = 'drover.dev/signature';
export const KEY_ANNOTATION = 'drover.dev/key';

/** Why a reader refuses a document: its signature (here), its freshness (document-freshness.ts) or its protocol. */
export type DocumentRefusal = 'unsigned' | 'bad-signature' | 'untrusted-key' | 'replayed' | 'future' | 'protocol';

export type DocumentVerdict =
  | { ok: true; keyId: string | null }
  | { ok: false; reason: Extract<DocumentRefusal, 'unsigned' | 'bad-signature' | 'untrusted-key'>; detail: string };

/** The two annotations that sign `text`. */
export async function signDocument({
  text,
  signer,
}: {
  text: string;
  signer: Signer;
}): Promise<{ signature: string; keyId: string }> {
  const sig = await signer.sign(new TextEncoder().encode(text));
  return { signature: Buffer.from(sig).toString('base64'), keyId: signer.keyId };
}

/**
 * Whether `text` is signed by a trusted key. With no trusted key at all,
 * anything is accepted (keyId null: nothing was verified). A key named in
 * `keyId` that is trusted but does not verify is `bad-signature`; a
 * signature no trusted key verifies, naming an untrusted key, is
 * `untrusted-key`.
 */
export function judgeDocumentSignature({
  text,
  signature,
  keyId,
  trustedKeys,
}: {
  text: string;
  signature: string | undefined;
  keyId: string | undefined;
  trustedKeys: readonly TrustedKey[];
}): DocumentVerdict {
  if (trustedKeys.length === 0) return { ok: true, keyId: null };
  if (!signature) return { ok: false, reason: 'unsigned', detail: 'it carries no signature' };
  const sig = Buffer.from(signature, 'base64');
  const bytes = new TextEncoder().encode(text);
  const good = trustedKeys.find((k) => {
    try {
      return verify('sha256', bytes, k.key, sig);
    } catch {
      return false;
    }
  });
  if (good) return { ok: true, keyId: good.keyId };
  if (keyId && trustedKeys.some((k) => k.keyId === keyId))
    return { ok: false, reason: 'bad-signature', detail: `its signature does not verify with trusted key ${keyId}` };
  return {
    ok: false,
    reason: 'untrusted-key',
    detail: `signed by ${keyId ? `key ${keyId}` : 'a key'} not trusted here (trusted: ${trustedKeys.map((k) => k.keyId).join(', ')})`,
  };
}
