/**
 * Pulls a manifest by tag or digest and verifies it: size-capped before and
 * while reading, media type among those accepted, digest equal to the one asked
 * for (by digest) or to the registry's `Docker-Content-Digest` (by tag).
 */
import { IntegrityError, NotFoundError } from '../errors/errors.ts';
import { isDigest } from './digest.ts';
import { checkManifest } from './manifest-check.ts';
import { MANIFEST_MEDIA_TYPES, bareMediaType } from './media-types.ts';
import { assertTag } from './names.ts';
import { errorFromResponse } from './registry-errors.ts';
import { type RegistryTarget, repoPath } from './registry-target.ts';
import { DEFAULT_MAX_MANIFEST_BYTES, type GetManifestArgs, type Manifest } from './store.ts';
import { readVerified } from './verify.ts';

export async function registryGetManifest({
  target,
  reference,
  maxBytes = DEFAULT_MAX_MANIFEST_BYTES,
  accept = MANIFEST_MEDIA_TYPES,
  signal,
}: GetManifestArgs & { target: RegistryTarget }): Promise<Manifest> {
  const byDigest = isDigest(reference);
  if (!byDigest) assertTag(reference);
  const what = `manifest ${reference} in ${target.location}`;
  const res = await target.client.request({
    method: 'GET',
    path: repoPath(target, `manifests/${reference}`),
    repository: target.repository,
    access: 'pull',
    headers: { accept: accept.join(', ') },
    signal,
  });
  if (res.status === 404) {
    await res.body?.cancel();
    throw new NotFoundError(`${what} not found`, { data: { location: target.location, reference } });
  }
  if (res.status !== 200) throw await errorFromResponse(res, `GET ${what}`);
  const mediaType = bareMediaType(res.headers.get('content-type'));
  if (!accept.includes(mediaType)) {
    await res.body?.cancel();
    throw new IntegrityError(`${what}: media type "${mediaType.slice(0, 100)}" is not one of ${accept.join(', ')}`, {
      data: { location: target.location, reference, mediaType: mediaType.slice(0, 100) },
    });
  }
  const { bytes, digest } = await readVerified({
    response: res,
    location: target.location,
    digest: byDigest ? reference : undefined,
    name: reference,
    maxBytes,
    what: 'manifest',
  });
  const announced = res.headers.get('docker-content-digest');
  if (!byDigest && announced && announced !== digest) {
    throw new IntegrityError(
      `${what}: content hashes to ${digest} but the registry announced ${announced.slice(0, 80)}`,
      {
        data: { location: target.location, reference, digest: announced.slice(0, 80), actualDigest: digest },
      },
    );
  }
  checkManifest({ bytes, mediaType, accept, what, pulled: true });
  return { bytes, mediaType, digest, size: bytes.byteLength };
}
