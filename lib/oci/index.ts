/**
 * lib/oci: Drover's registry layer. It stores and fetches bytes (blobs,
 * manifests, tags) in an OCI distribution registry or an OCI image-layout
 * directory, verifying everything it pulls; what the bytes mean is
 * lib/bundle's business. Over those bytes sits the bundle store
 * (bundle-store.ts): a bundle's versions, read by lib/bundle's rules, and
 * which tag names what; and the agent protocol's documents, where they are
 * put and how they are read (agent-registry.ts); and versions' signatures,
 * attached as OCI 1.1 referrers in the form cosign verifies (sign-version.ts,
 * verify-version-signature.ts, referrers.ts).
 *
 * @example
 *   const stores = await connectStores({ reference: 'oci://ghcr.io/acme', dockerConfigPath });
 *   const web = stores.open('web');
 *   const { digest } = await web.pushBlob({ data: layer });
 *   await web.putManifest({ bytes, mediaType: MediaType.ociManifest, tag: '1.4.0', immutable: true });
 */
export { readAgentIndex, readStatus, writeAgentIndex, writeStatus } from './agent-registry.ts';
export {
  type BundleStore,
  channelTag,
  openBundleStore,
  type OpenBundleStoreOptions,
  type Placement,
} from './bundle-store.ts';
export { type Digest, assertDigest, digestHex, isDigest, sha256Digest } from './digest.ts';
export {
  type RegistryCredentials,
  credentialsFromDockerConfig,
  dockerConfigPath,
  normalizeRegistryHost,
  readDockerCredentials,
} from './docker-config.ts';
export { LayoutStore, type LayoutStoreOptions, layoutDir } from './layout-store.ts';
export { MANIFEST_MEDIA_TYPES, MediaType } from './media-types.ts';
export { assertRepository, assertTag, isRepository, isTag, joinRepository } from './names.ts';
export {
  type ConnectStoresOptions,
  type StoreReference,
  type Stores,
  connectStores,
  openStore,
  parseStoreReference,
} from './reference.ts';
export { attachReferrer, listReferrers, referrersTag } from './referrers.ts';
export { type SignedVersion, signVersion } from './sign-version.ts';
export {
  processSignatureCache,
  type SignatureCache,
  type VersionSignature,
  verifyVersionSignature,
} from './verify-version-signature.ts';
export { RegistryClient, type RegistryClientOptions } from './registry-client.ts';
export { RegistryStore, type RegistryStoreOptions } from './registry-store.ts';
export {
  DEFAULT_MAX_BLOB_BYTES,
  DEFAULT_MAX_MANIFEST_BYTES,
  type Descriptor,
  type FetchBlobArgs,
  type GetManifestArgs,
  type Manifest,
  type OciStore,
  type PushBlobArgs,
  type PushBlobResult,
  type PutManifestArgs,
  type ReferrersArgs,
  type ResolveArgs,
  type SignalArgs,
  type StoreStats,
  type TagArgs,
} from './store.ts';
export { VersionTagMovedError, type VersionTagMovedData } from './version-tag-moved.ts';
export { type AuthChallenge, parseWwwAuthenticate } from './www-authenticate.ts';
