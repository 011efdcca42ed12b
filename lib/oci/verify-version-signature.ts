/**
 * Whether a version in the registry is signed by a trusted key: the
 * signatures attached to its manifest digest (referrers of the sigstore
 * bundle type, from the referrers API or the `sha256-<hex>` tag) are pulled
 * by digest, size-capped, and judged by lib/signature's rule against the
 * trusted keys. Everything read here is untrusted; nothing of it is applied.
 *
 * A verified digest is remembered in a cache (one per process by default, or
 * the caller's), keyed by store, digest and the set of trusted keys, so a
 * version verified once costs no more requests while it keeps being applied.
 * A refusal is not cached: a version signed later (`drover keys sign`)
 * verifies on the next look.
 *
 * @example
 *   const v = await verifyVersionSignature({ store, digest, trustedKeys });
 *   if (!v.ok) throw new SignatureRefusedError(v.detail, { data: { reason: v.reason } });
 */
import { judgeSignatures, type SignatureVerdict } from '../signature/judge-signature.ts';
import type { TrustedKey } from '../signature/public-key.ts';
import { BUNDLE_MEDIA_TYPE } from '../signature/sigstore-bundle.ts';
import { isDigest, type Digest } from './digest.ts';
import { MediaType } from './media-types.ts';
import { listReferrers } from './referrers.ts';
import type { OciStore, SignalArgs } from './store.ts';

/** At most this many signatures are read for one version (a registry could list thousands). */
const MAX_SIGNATURES = 16;
const MAX_BUNDLE_BYTES = 1024 * 1024;

export type VersionSignature = SignatureVerdict & { digest: Digest };

/** Verified digests: `location|digest|keys` -> the key that verified. */
export type SignatureCache = Map<string, string>;

/** The cache verifications share when the caller hands in none: one per process. */
export const processSignatureCache: SignatureCache = new Map();

export async function verifyVersionSignature({
  store,
  digest,
  trustedKeys,
  cache = processSignatureCache,
  signal,
}: {
  store: OciStore;
  digest: Digest;
  trustedKeys: readonly TrustedKey[];
  cache?: SignatureCache;
} & SignalArgs): Promise<VersionSignature> {
  const key = `${store.location}|${digest}|${trustedKeys
    .map((k) => k.keyId)
    .sort()
    .join(',')}`;
  const known = cache.get(key);
  if (known !== undefined) return { ok: true, keyId: known, digest };
  const found = await listReferrers({ store, digest, artifactType: BUNDLE_MEDIA_TYPE, signal });
  const bundles: Uint8Array[] = [];
  for (const d of found.slice(0, MAX_SIGNATURES)) {
    const bytes = await bundleOf({ store, manifestDigest: d.digest, signal });
    if (bytes) bundles.push(bytes);
    else bundles.push(new Uint8Array()); // listed as a signature but holding none: judged unreadable
  }
  const verdict = judgeSignatures({ bundles, digest, trustedKeys });
  if (verdict.ok) cache.set(key, verdict.keyId);
  return { ...verdict, digest };
}

/** The bundle a signature manifest holds (its first layer of the bundle type), or undefined when it holds none. */
async function bundleOf({
  store,
  manifestDigest,
  signal,
}: { store: OciStore; manifestDigest: Digest } & SignalArgs): Promise<Uint8Array | undefined> {
  const m = await store.getManifest({ reference: manifestDigest, accept: [MediaType.ociManifest], signal });
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(m.bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  const layers = (doc as { layers?: unknown }).layers;
  const layer = Array.isArray(layers) ? (layers[0] as { mediaType?: unknown; digest?: unknown; size?: unknown }) : {};
  if (layer?.mediaType !== BUNDLE_MEDIA_TYPE || typeof layer.digest !== 'string' || !isDigest(layer.digest))
    return undefined;
  const size = typeof layer.size === 'number' ? layer.size : undefined;
  return store.fetchBlob({
    digest: layer.digest,
    ...(size !== undefined ? { size } : {}),
    maxBytes: MAX_BUNDLE_BYTES,
    signal,
  });
}
