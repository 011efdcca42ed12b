/**
 * Downloads a blob and verifies it: refused before reading when Content-Length
 * breaks the cap or the expected size, counted while streaming, and checked
 * against its digest at the end. Redirects (to object storage) are followed;
 * fetch drops Authorization when they leave the registry's origin.
 */
import { errorFromResponse } from './registry-errors.ts';
import { type RegistryTarget, repoPath } from './registry-target.ts';
import { DEFAULT_MAX_BLOB_BYTES, type FetchBlobArgs } from './store.ts';
import { readVerified } from './verify.ts';

export async function registryFetchBlob({
  target,
  digest,
  size,
  maxBytes = DEFAULT_MAX_BLOB_BYTES,
  signal,
}: FetchBlobArgs & { target: RegistryTarget }): Promise<Uint8Array> {
  const res = await target.client.request({
    method: 'GET',
    path: repoPath(target, `blobs/${digest}`),
    repository: target.repository,
    access: 'pull',
    signal,
  });
  if (res.status !== 200) throw await errorFromResponse(res, `GET blob ${digest} of ${target.location}`);
  const { bytes } = await readVerified({
    response: res,
    location: target.location,
    digest,
    size,
    maxBytes,
    what: 'blob',
  });
  return bytes;
}
