/**
 * Signs a version in its registry: the sigstore bundle of lib/signature
 * (what `cosign verify --key` accepts) stored the way cosign stores one, as
 * an OCI 1.1 referrer: a blob holding the bundle, an artifact manifest
 * (`artifactType` the bundle's media type, the empty config, the bundle as
 * its one layer) whose `subject` is the version's manifest, attached by
 * referrers.ts (the referrers API, or the `sha256-<hex>` tag where there is
 * none). The same manifests land in an on-disk image layout.
 *
 * @example
 *   const { digest } = await signVersion({ store, digest: version.digest, signer });
 */
import type { Signer } from '../signature/signer.ts';
import { BUNDLE_MEDIA_TYPE, COSIGN_SIGN_PREDICATE, versionBundle } from '../signature/sigstore-bundle.ts';
import { type Digest, digestHex } from './digest.ts';
import { MediaType } from './media-types.ts';
import { attachReferrer } from './referrers.ts';
import type { Descriptor, OciStore, SignalArgs } from './store.ts';

const EMPTY_CONFIG = new Uint8Array(Buffer.from('{}'));

export interface SignedVersion {
  /** The version signed. */
  subject: Digest;
  /** The signature's artifact manifest. */
  signature: Descriptor;
  keyId: string;
}

export async function signVersion({
  store,
  digest,
  signer,
  createdAt = new Date(),
  signal,
}: { store: OciStore; digest: Digest; signer: Signer; createdAt?: Date } & SignalArgs): Promise<SignedVersion> {
  // The subject must exist; its media type and size go into the referrer (and this is a read by digest, so verified).
  const subject = await store.getManifest({ reference: digest, signal });
  const bundle = await versionBundle({ digest, name: store.repository, signer });
  const [config, layer] = await Promise.all([
    store.pushBlob({ data: EMPTY_CONFIG, signal }),
    store.pushBlob({ data: bundle, signal }),
  ]);
  const annotations = {
    'dev.sigstore.bundle.content': 'dsse-envelope',
    'dev.sigstore.bundle.predicateType': COSIGN_SIGN_PREDICATE,
    'org.opencontainers.image.created': createdAt.toISOString(),
  };
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: BUNDLE_MEDIA_TYPE,
    config: { mediaType: MediaType.ociEmpty, digest: config.digest, size: config.size },
    layers: [
      {
        mediaType: BUNDLE_MEDIA_TYPE,
        digest: layer.digest,
        size: layer.size,
        annotations: { 'org.opencontainers.image.title': `sha256-${digestHex(layer.digest)}.sigstore.json` },
      },
    ],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations,
  };
  const signature = await attachReferrer({
    store,
    manifest: new Uint8Array(Buffer.from(JSON.stringify(manifest), 'utf8')),
    subject: digest,
    artifactType: BUNDLE_MEDIA_TYPE,
    annotations,
    signal,
  });
  return { subject: digest, signature, keyId: signer.keyId };
}
