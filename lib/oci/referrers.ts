/**
 * A manifest's referrers (OCI 1.1: manifests whose `subject` names it),
 * attached and listed the same way on every store. Attaching pushes the
 * referring manifest by digest; where the store has no referrers API (a
 * registry answering 404 to it, Debian's among them, and the on-disk image
 * layout) the referrer is also added to the image index under the referrers
 * tag `sha256-<hex>` (distribution-spec 1.1's tag schema, which cosign and
 * oras read as the fallback). Listing asks the API first and reads the tag
 * when there is none. The index under the tag is read-modify-written, so two
 * attaches to one subject at the same instant can lose one entry; signing a
 * version is a rare, serial act (cut, `drover keys sign`), and a lost entry
 * shows as `unsigned`, never as a false signature.
 *
 * @example
 *   await attachReferrer({ store, manifest: bytes, subject: digest, artifactType });
 *   const sigs = await listReferrers({ store, digest, artifactType });
 */
import { NotFoundError } from '../errors/errors.ts';
import { digestHex, type Digest } from './digest.ts';
import { MediaType } from './media-types.ts';
import { descriptorsOfIndex, referrersIndex } from './referrers-index.ts';
import type { Descriptor, OciStore, SignalArgs } from './store.ts';

/** The referrers tag of a digest: `sha256-<hex>`. */
export const referrersTag = (digest: Digest): string => `sha256-${digestHex(digest)}`;

/** The referrers of `digest` (of one artifact type, when given): from the referrers API, else the referrers tag. */
export async function listReferrers({
  store,
  digest,
  artifactType,
  signal,
}: { store: OciStore; digest: Digest; artifactType?: string } & SignalArgs): Promise<Descriptor[]> {
  const listed = (await store.referrersApi({ digest, signal })) ?? (await taggedReferrers({ store, digest, signal }));
  return artifactType === undefined ? listed : listed.filter((d) => d.artifactType === artifactType);
}

async function taggedReferrers({
  store,
  digest,
  signal,
}: { store: OciStore; digest: Digest } & SignalArgs): Promise<Descriptor[]> {
  try {
    const index = await store.getManifest({ reference: referrersTag(digest), accept: [MediaType.ociIndex], signal });
    return descriptorsOfIndex({ bytes: index.bytes, what: `referrers tag of ${digest} in ${store.location}` });
  } catch (err) {
    if (err instanceof NotFoundError) return [];
    throw err;
  }
}

/**
 * Pushes a referring manifest (its `subject` must be `subject`) and makes it
 * listed: by the registry itself when it has the referrers API, else under
 * the referrers tag. Its descriptor carries `artifactType` and `annotations`
 * in the tag's index, as a registry's API would list them.
 */
export async function attachReferrer({
  store,
  manifest,
  subject,
  artifactType,
  annotations,
  signal,
}: {
  store: OciStore;
  manifest: Uint8Array;
  subject: Digest;
  artifactType: string;
  annotations?: Record<string, string>;
} & SignalArgs): Promise<Descriptor> {
  const pushed = await store.putManifest({ bytes: manifest, mediaType: MediaType.ociManifest, signal });
  const descriptor: Descriptor = {
    mediaType: MediaType.ociManifest,
    digest: pushed.digest,
    size: pushed.size,
    artifactType,
    ...(annotations ? { annotations } : {}),
  };
  if ((await store.referrersApi({ digest: subject, signal })) !== undefined) return descriptor;
  const listed = await taggedReferrers({ store, digest: subject, signal });
  if (listed.some((d) => d.digest === descriptor.digest)) return descriptor;
  await store.putManifest({
    bytes: referrersIndex({ manifests: [...listed, descriptor] }),
    mediaType: MediaType.ociIndex,
    tag: referrersTag(subject),
    signal,
  });
  return descriptor;
}
