/**
 * `OciStore` over an OCI image-layout directory: Drover's embedded registry.
 *
 * One layout per repository, under a root: repository `team/web` in
 * `oci-layout:///srv/drover` lives in `/srv/drover/team/web/` (its own
 * `oci-layout`, `index.json` and `blobs/sha256/`), so each is readable on its
 * own with `oras pull --oci-layout /srv/drover/team/web:1.0.0`. Blobs are not
 * shared between repositories; bundles are small and this keeps every
 * directory a complete, standard layout. A repository path component may not
 * be `blobs`, which would nest one layout inside another's blob directory.
 *
 * @example
 *   const store = new LayoutStore({ root: '.drover/registry', repository: 'web' });
 *   await store.pushBlob({ data: layer });
 *   await store.putManifest({ bytes, mediaType: MediaType.ociManifest, tag: '1.0.0', immutable: true });
 */
import { join, resolve } from 'node:path';
import { InvalidInputError } from '../errors/errors.ts';
import type { Digest } from './digest.ts';
import { layoutFetchBlob, layoutHasBlob, layoutPushBlob } from './layout-blobs.ts';
import { layoutGetManifest, layoutListTags, layoutPutManifest, layoutResolve, layoutTag } from './layout-manifests.ts';
import type { LayoutTarget } from './layout-target.ts';
import { assertRepository } from './names.ts';
import {
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
  emptyStats,
} from './store.ts';

export interface LayoutStoreOptions {
  /** The directory holding one layout per repository. */
  root: string;
  repository: string;
  /** Counters to add to, shared by the stores of one connectStores(); a fresh set by default. */
  stats?: StoreStats;
}

/** The layout directory of `repository` under `root`. */
export function layoutDir({ root, repository }: LayoutStoreOptions): string {
  assertRepository(repository);
  if (repository.split('/').includes('blobs')) {
    throw new InvalidInputError(
      `repository "${repository}" cannot be stored in an image layout: "blobs" is reserved as a path component`,
      {
        data: { repository },
      },
    );
  }
  return join(resolve(root), ...repository.split('/'));
}

export class LayoutStore implements OciStore {
  readonly repository: string;
  readonly location: string;
  /** The layout directory of this repository. */
  readonly dir: string;
  readonly stats: StoreStats;
  readonly #target: LayoutTarget;

  constructor({ root, repository, stats = emptyStats() }: LayoutStoreOptions) {
    this.stats = stats;
    this.dir = layoutDir({ root, repository });
    this.repository = repository;
    this.location = `oci-layout://${this.dir}`;
    this.#target = { dir: this.dir, location: this.location, stats: this.stats };
  }

  hasBlob({ digest, signal }: { digest: Digest } & SignalArgs): Promise<boolean> {
    return layoutHasBlob({ target: this.#target, digest, signal });
  }

  pushBlob(args: PushBlobArgs): Promise<PushBlobResult> {
    return layoutPushBlob({ ...args, target: this.#target });
  }

  fetchBlob(args: FetchBlobArgs): Promise<Uint8Array> {
    return layoutFetchBlob({ ...args, target: this.#target });
  }

  putManifest(args: PutManifestArgs): Promise<Descriptor> {
    return layoutPutManifest({ ...args, target: this.#target });
  }

  getManifest(args: GetManifestArgs): Promise<Manifest> {
    return layoutGetManifest({ ...args, target: this.#target });
  }

  tag(args: TagArgs): Promise<Descriptor> {
    return layoutTag({ ...args, target: this.#target });
  }

  resolve(args: ResolveArgs): Promise<Descriptor> {
    return layoutResolve({ ...args, target: this.#target });
  }

  listTags({ signal }: SignalArgs = {}): Promise<string[]> {
    return layoutListTags({ target: this.#target, signal });
  }

  /** A layout has no referrers API: its referrers are listed under the referrers tag, as on a registry without one. */
  referrersApi(_args: ReferrersArgs): Promise<Descriptor[] | undefined> {
    return Promise.resolve(undefined);
  }
}
