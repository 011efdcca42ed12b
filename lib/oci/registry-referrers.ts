/**
 * The OCI 1.1 referrers API of a registry (`GET /v2/<name>/referrers/<digest>`):
 * the manifests whose `subject` is a digest, as an image index the registry
 * keeps. A registry without the API answers 404 (Debian's distribution 2.8
 * does) or something that is not an index; either is "not supported"
 * (undefined), and the caller reads the referrers tag schema instead
 * (referrers.ts). What the registry lists is untrusted: each entry's type is
 * checked here, each manifest is pulled by digest and verified later.
 */
import { bareMediaType, MediaType } from './media-types.ts';
import { errorFromResponse } from './registry-errors.ts';
import { type RegistryTarget, repoPath } from './registry-target.ts';
import { descriptorsOfIndex } from './referrers-index.ts';
import { DEFAULT_MAX_MANIFEST_BYTES, type Descriptor, type ReferrersArgs } from './store.ts';
import { readVerified } from './verify.ts';

export async function registryReferrers({
  target,
  digest,
  signal,
}: ReferrersArgs & { target: RegistryTarget }): Promise<Descriptor[] | undefined> {
  const res = await target.client.request({
    method: 'GET',
    path: repoPath(target, `referrers/${digest}`),
    repository: target.repository,
    access: 'pull',
    headers: { accept: MediaType.ociIndex },
    signal,
  });
  if (res.status === 404 || res.status === 405) {
    await res.body?.cancel();
    return undefined;
  }
  if (res.status !== 200) throw await errorFromResponse(res, `GET referrers of ${digest} in ${target.location}`);
  if (bareMediaType(res.headers.get('content-type')) !== MediaType.ociIndex) {
    await res.body?.cancel();
    return undefined;
  }
  const { bytes } = await readVerified({
    response: res,
    location: target.location,
    maxBytes: DEFAULT_MAX_MANIFEST_BYTES,
    what: 'referrers index',
    name: `referrers/${digest}`,
  });
  return descriptorsOfIndex({ bytes, what: `referrers of ${digest} in ${target.location}` });
}
