/**
 * What a tag points at, from one `HEAD /v2/<name>/manifests/<tag>`: digest,
 * media type and size from the headers. A registry that omits the digest on
 * HEAD costs a GET instead.
 */
import { IntegrityError, NotFoundError } from '../errors/errors.ts';
import { isDigest } from './digest.ts';
import { MANIFEST_MEDIA_TYPES, bareMediaType } from './media-types.ts';
import { assertTag } from './names.ts';
import { errorFromResponse } from './registry-errors.ts';
import { registryGetManifest } from './registry-get-manifest.ts';
import { type RegistryTarget, repoPath } from './registry-target.ts';
import type { Descriptor, ResolveArgs } from './store.ts';

export async function registryResolve({
  target,
  tag,
  signal,
}: ResolveArgs & { target: RegistryTarget }): Promise<Descriptor> {
  assertTag(tag);
  const what = `tag ${tag} in ${target.location}`;
  const res = await target.client.request({
    method: 'HEAD',
    path: repoPath(target, `manifests/${tag}`),
    repository: target.repository,
    access: 'pull',
    headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
    signal,
  });
  if (res.status === 404) throw new NotFoundError(`${what} not found`, { data: { location: target.location, tag } });
  if (res.status !== 200) throw await errorFromResponse(res, `HEAD ${what}`);
  const digest = res.headers.get('docker-content-digest');
  const mediaType = bareMediaType(res.headers.get('content-type'));
  const length = res.headers.get('content-length');
  if (!digest || !length) {
    const m = await registryGetManifest({ target, reference: tag, signal });
    return { digest: m.digest, mediaType: m.mediaType, size: m.size };
  }
  if (!isDigest(digest)) {
    throw new IntegrityError(`${what}: the registry announced a digest that is not sha256 (${digest.slice(0, 80)})`, {
      data: { location: target.location, tag, digest: digest.slice(0, 80) },
    });
  }
  if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) {
    throw new IntegrityError(`${what}: media type "${mediaType.slice(0, 100)}" is not a manifest type`, {
      data: { location: target.location, tag, digest, mediaType: mediaType.slice(0, 100) },
    });
  }
  return { digest, mediaType, size: Number(length) };
}
