/**
 * `OciStore` over the OCI distribution API: one repository on one registry.
 * Each operation lives in its own `registry-*.ts` file; this class only binds
 * them to a client and a repository. Stores for several repositories of one
 * host can share a client (and so its token cache and stats).
 *
 * @example
 *   const store = new RegistryStore({ client: new RegistryClient({ host: '127.0.0.1:5000' }), repository: 'drover/web' });
 *   await store.pushBlob({ data });                 // HEAD, then POST + PUT if missing
 *   await store.putManifest({ bytes, mediaType: MediaType.ociManifest, tag: '1.0.0', immutable: true });
 *   store.stats; // { requests, blobUploads, blobsSkipped, bytesUploaded }
 */
import type { Digest } from './digest.ts';
import { assertRepository } from './names.ts';
import type { RegistryClient } from './registry-client.ts';
import { registryFetchBlob } from './registry-fetch-blob.ts';
import { registryGetManifest } from './registry-get-manifest.ts';
import { registryHasBlob } from './registry-has-blob.ts';
import { registryListTags } from './registry-list-tags.ts';
import { registryPushBlob } from './registry-push-blob.ts';
import { registryPutManifest, registryTag } from './registry-put-manifest.ts';
import { registryReferrers } from './registry-referrers.ts';
import { registryResolve } from './registry-resolve.ts';
import type { RegistryTarget } from './registry-target.ts';
import type {
  Descriptor,
  FetchBlobArgs,
  GetManifestArgs,
  Manifest,
  OciStore,
  PushBlobArgs,
  PushBlobResult,
  PutManifestArgs,
  ReferrersArgs,
  ResolveArgs,
  SignalArgs,
  StoreStats,
  TagArgs,
} from './store.ts';

export interface RegistryStoreOptions {
  client: RegistryClient;
  repository: string;
  /** Blobs larger than this are uploaded in chunks (PATCH). */
  chunkThresholdBytes?: number;
  chunkSizeBytes?: number;
}

export class RegistryStore implements OciStore {
  readonly repository: string;
  readonly location: string;
  readonly #target: RegistryTarget;
  readonly #chunkThresholdBytes: number | undefined;
  readonly #chunkSizeBytes: number | undefined;

  constructor({ client, repository, chunkThresholdBytes, chunkSizeBytes }: RegistryStoreOptions) {
    this.repository = assertRepository(repository);
    this.location = `${client.host}/${repository}`;
    this.#target = { client, repository, location: this.location };
    this.#chunkThresholdBytes = chunkThresholdBytes;
    this.#chunkSizeBytes = chunkSizeBytes;
  }

  get stats(): StoreStats {
    return this.#target.client.stats;
  }

  hasBlob({ digest, signal }: { digest: Digest } & SignalArgs): Promise<boolean> {
    return registryHasBlob({ target: this.#target, digest, signal });
  }

  pushBlob(args: PushBlobArgs): Promise<PushBlobResult> {
    return registryPushBlob({
      ...args,
      target: this.#target,
      chunkThresholdBytes: this.#chunkThresholdBytes,
      chunkSizeBytes: this.#chunkSizeBytes,
    });
  }

  fetchBlob(args: FetchBlobArgs): Promise<Uint8Array> {
    return registryFetchBlob({ ...args, target: this.#target });
  }

  putManifest(args: PutManifestArgs): Promise<Descriptor> {
    return registryPutManifest({ ...args, target: this.#target });
  }

  getManifest(args: GetManifestArgs): Promise<Manifest> {
    return registryGetManifest({ ...args, target: this.#target });
  }

  tag(args: TagArgs): Promise<Descriptor> {
    return registryTag({ ...args, target: this.#target });
  }

  resolve(args: ResolveArgs): Promise<Descriptor> {
    return registryResolve({ ...args, target: this.#target });
  }

  listTags({ signal }: SignalArgs = {}): Promise<string[]> {
    return registryListTags({ target: this.#target, signal });
  }

  referrersApi(args: ReferrersArgs): Promise<Descriptor[] | undefined> {
    return registryReferrers({ ...args, target: this.#target });
  }
}
