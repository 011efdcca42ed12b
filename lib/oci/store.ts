/**
 * The one interface Drover's registry layer offers: content-addressed blobs and
 * manifests in one repository, plus tags. Two backends implement it: a remote
 * OCI distribution registry (`RegistryStore`) and an OCI image-layout
 * directory on disk (`LayoutStore`). The store knows bytes, not bundles: what
 * a manifest means is lib/bundle's business.
 *
 * Every pulled blob and manifest is checked against its digest, size and media
 * type, and size-capped before it is read; a mismatch is an IntegrityError.
 * Push order is the caller's contract: blobs first, the manifest last, so a
 * tag never points at a manifest whose blobs are missing.
 */
import type { Digest } from './digest.ts';

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  artifactType?: string;
}

/** A manifest as stored: its exact bytes (digests are over bytes, not JSON) and its descriptor. */
export interface Manifest {
  bytes: Uint8Array;
  mediaType: string;
  digest: Digest;
  size: number;
}

/** Counters a benchmark or a test can read; they only grow. */
export interface StoreStats {
  /** HTTP requests sent (registry, including token requests) or index/blob reads and writes (layout). */
  requests: number;
  /** Blobs actually uploaded or written. */
  blobUploads: number;
  /** Blobs not uploaded because the store already had them. */
  blobsSkipped: number;
  bytesUploaded: number;
  /** When the registry last answered a request (any HTTP status below 500), and last did not (no answer, or 5xx); unset: not yet. */
  answeredAtMs?: number;
  unansweredAtMs?: number;
}

export function emptyStats(): StoreStats {
  return { requests: 0, blobUploads: 0, blobsSkipped: 0, bytesUploaded: 0 };
}

export interface SignalArgs {
  signal?: AbortSignal;
}

export interface PushBlobArgs extends SignalArgs {
  data: Uint8Array;
  /** When given, the data must hash to it (a caller's check that it pushes what it thinks). */
  digest?: Digest;
}

export interface PushBlobResult {
  digest: Digest;
  size: number;
  /** False when the store already had the blob and nothing was sent. */
  uploaded: boolean;
}

export interface FetchBlobArgs extends SignalArgs {
  digest: Digest;
  /** Expected size, e.g. from the descriptor that named the blob. */
  size?: number;
  /** Refuse anything larger (checked before reading, then while reading). */
  maxBytes?: number;
}

export interface PutManifestArgs extends SignalArgs {
  bytes: Uint8Array;
  mediaType: string;
  /** Tag to point at the manifest; without one the manifest is stored by digest only. */
  tag?: string;
  /** Refuse (ConflictError) to move an existing tag to another digest; the same digest is a no-op. */
  immutable?: boolean;
}

export interface TagArgs extends SignalArgs {
  /** A manifest already in the store. */
  digest: Digest;
  tag: string;
  immutable?: boolean;
}

export interface GetManifestArgs extends SignalArgs {
  /** A tag or a digest. */
  reference: string;
  maxBytes?: number;
  /** Acceptable media types (default: OCI and Docker manifests and indexes). */
  accept?: readonly string[];
}

export interface ResolveArgs extends SignalArgs {
  tag: string;
}

export interface ReferrersArgs extends SignalArgs {
  /** The subject: a manifest's digest. */
  digest: Digest;
}

export interface OciStore {
  /** The repository this store reads and writes, e.g. `drover/web`. */
  readonly repository: string;
  /** A human name for messages: `127.0.0.1:5000/drover/web` or `oci-layout:///path/web`. */
  readonly location: string;
  readonly stats: StoreStats;
  hasBlob(args: { digest: Digest } & SignalArgs): Promise<boolean>;
  pushBlob(args: PushBlobArgs): Promise<PushBlobResult>;
  fetchBlob(args: FetchBlobArgs): Promise<Uint8Array>;
  putManifest(args: PutManifestArgs): Promise<Descriptor>;
  getManifest(args: GetManifestArgs): Promise<Manifest>;
  /** Points `tag` at a manifest already stored (promotion, rollback). */
  tag(args: TagArgs): Promise<Descriptor>;
  /** What a tag points at; NotFoundError when the tag does not exist. */
  resolve(args: ResolveArgs): Promise<Descriptor>;
  /** Every tag of the repository, sorted; empty when the repository does not exist. */
  listTags(args?: SignalArgs): Promise<string[]>;
  /**
   * The manifests whose `subject` is `digest`, from the registry's OCI 1.1
   * referrers API; undefined when the store has no such API (a registry that
   * answers 404, an image layout): then the referrers tag schema is read
   * (lib/oci/referrers.ts).
   */
  referrersApi(args: ReferrersArgs): Promise<Descriptor[] | undefined>;
}

/** Default caps: manifests are small; bundle layers are manifests, tarred. */
export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_BLOB_BYTES = 256 * 1024 * 1024;
