/**
 * Manifests and tags of an image layout. A manifest is a blob plus an entry in
 * `index.json`: one entry per tag (`org.opencontainers.image.ref.name`), or an
 * untagged entry when pushed by digest, so every manifest stays reachable.
 * Moving a tag replaces its entry; an immutable tag refuses to move, under the
 * index lock, so two writers cannot both win.
 */
import { IntegrityError, NotFoundError } from '../errors/errors.ts';
import { type Digest, isDigest, sha256Digest } from './digest.ts';
import { type ImageIndex, REF_NAME, readIndex, tagOf, updateIndex } from './layout-index.ts';
import { layoutFetchBlob, writeBlob } from './layout-blobs.ts';
import { type LayoutTarget, ensureLayout } from './layout-target.ts';
import { checkManifest } from './manifest-check.ts';
import { MANIFEST_MEDIA_TYPES, MediaType, bareMediaType } from './media-types.ts';
import { assertTag } from './names.ts';
import { immutableConflict } from './tag-conflict.ts';
import {
  DEFAULT_MAX_MANIFEST_BYTES,
  type Descriptor,
  type GetManifestArgs,
  type Manifest,
  type PutManifestArgs,
  type ResolveArgs,
  type SignalArgs,
  type TagArgs,
} from './store.ts';

export async function layoutPutManifest({
  target,
  bytes,
  mediaType,
  tag,
  immutable = false,
  signal,
}: PutManifestArgs & { target: LayoutTarget }): Promise<Descriptor> {
  const type = bareMediaType(mediaType);
  const digest = sha256Digest(bytes);
  if (tag !== undefined) assertTag(tag);
  checkManifest({
    bytes,
    mediaType: type,
    accept: MANIFEST_MEDIA_TYPES,
    what: `manifest ${tag ?? digest} for ${target.location}`,
    pulled: false,
  });
  const descriptor: Descriptor = { mediaType: type, digest, size: bytes.byteLength };
  const artifactType = artifactTypeOf(bytes);
  if (artifactType) descriptor.artifactType = artifactType;
  await writeBlob({ target, data: bytes, digest, signal });
  return setTag({ target, descriptor, tag, immutable, signal });
}

export async function layoutTag({
  target,
  digest,
  tag,
  immutable = false,
  signal,
}: TagArgs & { target: LayoutTarget }): Promise<Descriptor> {
  assertTag(tag);
  const m = await layoutGetManifest({ target, reference: digest, signal });
  const descriptor: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.size };
  const artifactType = artifactTypeOf(m.bytes);
  if (artifactType) descriptor.artifactType = artifactType;
  return setTag({ target, descriptor, tag, immutable, signal });
}

async function setTag({
  target,
  descriptor,
  tag,
  immutable,
  signal,
}: {
  target: LayoutTarget;
  descriptor: Descriptor;
  tag: string | undefined;
  immutable: boolean;
  signal?: AbortSignal;
}): Promise<Descriptor> {
  target.stats.requests++;
  await ensureLayout(target);
  return updateIndex({ dir: target.dir, signal }, (index) => {
    const { digest } = descriptor;
    if (tag === undefined) {
      if (index.manifests.some((m) => m.digest === digest)) return { write: false, result: descriptor };
      index.manifests.push(descriptor);
      return { write: true, result: descriptor };
    }
    const current = index.manifests.find((m) => tagOf(m) === tag);
    if (current?.digest === digest) return { write: false, result: descriptor };
    if (current && immutable) throw immutableConflict(target, tag, current.digest, digest);
    // The tag's old entry goes, and so does an untagged entry for this digest: the tag now keeps it reachable.
    index.manifests = index.manifests.filter(
      (m) => tagOf(m) !== tag && !(m.digest === digest && tagOf(m) === undefined),
    );
    index.manifests.push({ ...descriptor, annotations: { [REF_NAME]: tag } });
    return { write: true, result: descriptor };
  });
}

export async function layoutResolve({
  target,
  tag,
  signal,
}: ResolveArgs & { target: LayoutTarget }): Promise<Descriptor> {
  assertTag(tag);
  target.stats.requests++;
  const entry = findTag(await readIndex({ dir: target.dir, signal }), tag);
  if (!entry)
    throw new NotFoundError(`tag ${tag} in ${target.location} not found`, { data: { location: target.location, tag } });
  const d: Descriptor = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
  if (entry.artifactType) d.artifactType = entry.artifactType;
  return d;
}

export async function layoutGetManifest({
  target,
  reference,
  maxBytes = DEFAULT_MAX_MANIFEST_BYTES,
  accept = MANIFEST_MEDIA_TYPES,
  signal,
}: GetManifestArgs & { target: LayoutTarget }): Promise<Manifest> {
  let digest: Digest;
  let size: number | undefined;
  let mediaType: string | undefined;
  const index = await readIndex({ dir: target.dir, signal });
  if (isDigest(reference)) {
    digest = reference;
    const entry = index.manifests.find((m) => m.digest === digest);
    size = entry?.size;
    mediaType = entry?.mediaType;
  } else {
    assertTag(reference);
    const entry = findTag(index, reference);
    if (!entry)
      throw new NotFoundError(`manifest ${reference} in ${target.location} not found`, {
        data: { location: target.location, reference },
      });
    ({ digest, size, mediaType } = entry);
  }
  const what = `manifest ${reference} in ${target.location}`;
  const bytes = await layoutFetchBlob({ target, digest, size, maxBytes, signal, what: 'manifest' });
  const type = mediaType ?? mediaTypeOf(bytes, what);
  checkManifest({ bytes, mediaType: type, accept, what, pulled: true });
  return { bytes, mediaType: bareMediaType(type), digest, size: bytes.byteLength };
}

export async function layoutListTags({ target, signal }: SignalArgs & { target: LayoutTarget }): Promise<string[]> {
  target.stats.requests++;
  const index = await readIndex({ dir: target.dir, signal });
  return [...new Set(index.manifests.map(tagOf).filter((t): t is string => t !== undefined))].sort();
}

function findTag(index: ImageIndex, tag: string): Descriptor | undefined {
  // The last entry wins if a foreign writer left duplicates.
  return index.manifests.findLast((m) => tagOf(m) === tag);
}

function parse(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const doc: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    return typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function artifactTypeOf(bytes: Uint8Array): string | undefined {
  const t = parse(bytes)?.artifactType;
  return typeof t === 'string' ? t : undefined;
}

/** A manifest found by digest with no index entry: its own `mediaType`, else what its shape says. */
function mediaTypeOf(bytes: Uint8Array, what: string): string {
  const doc = parse(bytes);
  if (!doc) throw new IntegrityError(`${what}: not a JSON document`, {});
  if (typeof doc.mediaType === 'string') return doc.mediaType;
  if (Array.isArray(doc.manifests)) return MediaType.ociIndex;
  if (Array.isArray(doc.layers)) return MediaType.ociManifest;
  throw new IntegrityError(`${what}: not a manifest`, {});
}
