/**
 * The signature of a version, as a sigstore bundle (v0.3) that the real
 * cosign CLI verifies: a DSSE envelope holding an in-toto Statement whose one
 * subject is the version's manifest digest and whose predicate type is
 * cosign's image signature (`https://sigstore.dev/cosign/sign/v1`), signed
 * with ECDSA P-256 over the DSSE pre-authentication encoding. That is the
 * form `cosign sign` (v3, new bundle format) writes for an image, so one
 * format is both written by Drover and read back from cosign. The bundle
 * names its key only by a hint (the key id); there is no certificate and no
 * transparency-log entry, so verification is against trusted keys alone.
 *
 * Reading is of untrusted bytes (whatever a registry serves): `parseBundle`
 * checks every field's type and says what it refused.
 *
 * @example
 *   const bytes = await versionBundle({ digest, signer });
 *   const parsed = parseBundle(bytes); // { ok: true, envelope } | { ok: false, why }
 */
import type { Signer } from './signer.ts';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** The predicate type of a cosign (v3) image signature. */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

export interface DsseEnvelope {
  payloadType: string;
  payload: Uint8Array;
  signatures: Uint8Array[];
}

export interface ParsedBundle {
  /** The key hint of `verificationMaterial.publicKey`, when it has one. */
  hint: string | undefined;
  envelope: DsseEnvelope;
}

/** DSSE's pre-authentication encoding: what is actually signed (`DSSEv1 <len> <type> <len> <body>`). */
export function pae({ payloadType, payload }: { payloadType: string; payload: Uint8Array }): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  const head = Buffer.from(`DSSEv1 ${type.byteLength} ${payloadType} ${payload.byteLength} `, 'utf8');
  return new Uint8Array(Buffer.concat([head, payload]));
}

/** The in-toto Statement a version signature carries: the version's digest as the one subject. */
export function signStatement({ digest, name }: { digest: string; name: string }): Uint8Array {
  const statement = {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name, digest: { sha256: digest.replace(/^sha256:/, '') } }],
    predicateType: COSIGN_SIGN_PREDICATE,
    predicate: {},
  };
  return new Uint8Array(Buffer.from(JSON.stringify(statement), 'utf8'));
}

/** The serialized bundle signing `digest` (a manifest digest, `sha256:<hex>`); `name` is the subject's name (the repository). */
export async function versionBundle({
  digest,
  name,
  signer,
}: {
  digest: string;
  name: string;
  signer: Signer;
}): Promise<Uint8Array> {
  const payload = signStatement({ digest, name });
  const sig = await signer.sign(pae({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload }));
  const bundle = {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: signer.keyId } },
    dsseEnvelope: {
      payload: Buffer.from(payload).toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: Buffer.from(sig).toString('base64'), keyid: '' }],
    },
  };
  return new Uint8Array(Buffer.from(JSON.stringify(bundle), 'utf8'));
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const b64 = (v: unknown): Uint8Array | undefined =>
  typeof v === 'string' && BASE64.test(v) ? new Uint8Array(Buffer.from(v, 'base64')) : undefined;

/** A bundle read from untrusted bytes: its DSSE envelope and key hint, or why it cannot be read as a DSSE bundle. */
export function parseBundle(bytes: Uint8Array): { ok: true; bundle: ParsedBundle } | { ok: false; why: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { ok: false, why: 'not JSON' };
  }
  if (!isObject(doc)) return { ok: false, why: 'not a JSON object' };
  if (typeof doc.mediaType !== 'string' || !doc.mediaType.startsWith('application/vnd.dev.sigstore.bundle'))
    return { ok: false, why: 'not a sigstore bundle' };
  const env = doc.dsseEnvelope;
  if (!isObject(env)) return { ok: false, why: 'no DSSE envelope (a message signature is not read)' };
  const payload = b64(env.payload);
  if (typeof env.payloadType !== 'string' || !payload) return { ok: false, why: 'malformed DSSE envelope' };
  const sigs = Array.isArray(env.signatures) ? env.signatures.map((s) => (isObject(s) ? b64(s.sig) : undefined)) : [];
  const signatures = sigs.filter((s): s is Uint8Array => s !== undefined && s.byteLength > 0);
  if (signatures.length === 0) return { ok: false, why: 'DSSE envelope without signatures' };
  const material = isObject(doc.verificationMaterial) ? doc.verificationMaterial : {};
  const hint =
    isObject(material.publicKey) && typeof material.publicKey.hint === 'string' ? material.publicKey.hint : undefined;
  return { ok: true, bundle: { hint, envelope: { payloadType: env.payloadType, payload, signatures } } };
}

/** The sha256 digests (`sha256:<hex>`) an in-toto statement signs as a cosign image signature; undefined when it is not one. */
export function signedDigests(envelope: DsseEnvelope): string[] | undefined {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return undefined;
  let st: unknown;
  try {
    st = JSON.parse(Buffer.from(envelope.payload).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(st) || st.predicateType !== COSIGN_SIGN_PREDICATE || !Array.isArray(st.subject)) return undefined;
  return st.subject.flatMap((s) =>
    isObject(s) && isObject(s.digest) && typeof s.digest.sha256 === 'string' ? [`sha256:${s.digest.sha256}`] : [],
  );
}
