/**
 * Pushes a manifest (by tag, or by digest when untagged) and, for `tag`,
 * re-points a tag at a manifest already there. Callers push blobs first: the
 * manifest is the last write, so a tag never names missing content.
 *
 * Immutable tags are checked with a HEAD before the PUT: the distribution API
 * has no compare-and-swap, so two writers racing on a new immutable tag can
 * still both succeed; Drover's version tags are cut by one writer.
 */
import { IntegrityError, InvalidInputError, NotFoundError } from '../errors/errors.ts';
import { type Digest, sha256Digest } from './digest.ts';
import { checkManifest } from './manifest-check.ts';
import { MANIFEST_MEDIA_TYPES, bareMediaType } from './media-types.ts';
import { assertTag } from './names.ts';
import { errorFromResponse } from './registry-errors.ts';
import { registryGetManifest } from './registry-get-manifest.ts';
import { registryResolve } from './registry-resolve.ts';
import { type RegistryTarget, repoPath } from './registry-target.ts';
import { immutableConflict } from './tag-conflict.ts';
import { DEFAULT_MAX_MANIFEST_BYTES, type Descriptor, type PutManifestArgs, type TagArgs } from './store.ts';

export async function registryPutManifest({
  target,
  bytes,
  mediaType,
  tag,
  immutable = false,
  signal,
}: PutManifestArgs & { target: RegistryTarget }): Promise<Descriptor> {
  const type = bareMediaType(mediaType);
  const digest = sha256Digest(bytes);
  const what = `manifest ${tag ?? digest} in ${target.location}`;
  if (tag !== undefined) assertTag(tag);
  checkManifest({ bytes, mediaType: type, accept: MANIFEST_MEDIA_TYPES, what, pulled: false });
  if (bytes.byteLength > DEFAULT_MAX_MANIFEST_BYTES) {
    throw new InvalidInputError(
      `${what}: ${bytes.byteLength} bytes is over the ${DEFAULT_MAX_MANIFEST_BYTES} registries accept`,
      {
        data: { location: target.location, size: bytes.byteLength },
      },
    );
  }
  const descriptor: Descriptor = { mediaType: type, digest, size: bytes.byteLength };
  if (tag !== undefined && immutable) {
    const current = await currentDigest({ target, tag, signal });
    if (current === digest) return descriptor;
    if (current !== undefined) throw immutableConflict(target, tag, current, digest);
  }
  const res = await target.client.request({
    method: 'PUT',
    path: repoPath(target, `manifests/${tag ?? digest}`),
    repository: target.repository,
    access: 'push',
    headers: { 'content-type': type },
    body: bytes,
    signal,
  });
  if (res.status !== 201) throw await errorFromResponse(res, `PUT ${what}`);
  await res.body?.cancel();
  const stored = res.headers.get('docker-content-digest');
  if (stored && stored !== digest) {
    throw new IntegrityError(`PUT ${what}: the registry stored ${stored.slice(0, 80)}`, {
      data: { location: target.location, digest, actualDigest: stored.slice(0, 80) },
    });
  }
  return descriptor;
}

export async function registryTag({
  target,
  digest,
  tag,
  immutable = false,
  signal,
}: TagArgs & { target: RegistryTarget }): Promise<Descriptor> {
  assertTag(tag);
  if (immutable) {
    const current = await currentDigest({ target, tag, signal });
    if (current !== undefined && current !== digest) throw immutableConflict(target, tag, current, digest);
  }
  const m = await registryGetManifest({ target, reference: digest, signal });
  return registryPutManifest({ target, bytes: m.bytes, mediaType: m.mediaType, tag, signal });
}

async function currentDigest({
  target,
  tag,
  signal,
}: {
  target: RegistryTarget;
  tag: string;
  signal?: AbortSignal;
}): Promise<Digest | undefined> {
  try {
    return (await registryResolve({ target, tag, signal })).digest;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
