/**
 * Uploads a blob unless the registry has it (one HEAD when it does). Small
 * blobs go up in one PUT after the POST that opens the upload session; blobs
 * over `chunkThresholdBytes` go up in PATCH chunks with `Content-Range`, then
 * an empty PUT closes the session with the digest. The registry's answer is
 * checked: it must acknowledge the same digest.
 */
import { IntegrityError, UnavailableError } from '../errors/errors.ts';
import { sha256Digest } from './digest.ts';
import { errorFromResponse } from './registry-errors.ts';
import { registryHasBlob } from './registry-has-blob.ts';
import { type RegistryTarget, repoPath } from './registry-target.ts';
import type { PushBlobArgs, PushBlobResult } from './store.ts';
import type { HttpResponse } from './http-fetch.ts';

export const DEFAULT_CHUNK_THRESHOLD_BYTES = 8 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE_BYTES = 4 * 1024 * 1024;

export interface RegistryPushBlobArgs extends PushBlobArgs {
  target: RegistryTarget;
  chunkThresholdBytes?: number;
  chunkSizeBytes?: number;
}

export async function registryPushBlob({
  target,
  data,
  digest: expected,
  signal,
  chunkThresholdBytes = DEFAULT_CHUNK_THRESHOLD_BYTES,
  chunkSizeBytes = DEFAULT_CHUNK_SIZE_BYTES,
}: RegistryPushBlobArgs): Promise<PushBlobResult> {
  const digest = sha256Digest(data);
  if (expected !== undefined && expected !== digest) {
    throw new IntegrityError(`blob to push to ${target.location} hashes to ${digest}, not ${expected}`, {
      data: { location: target.location, digest: expected, actualDigest: digest },
    });
  }
  const stats = target.client.stats;
  if (await registryHasBlob({ target, digest, signal })) {
    stats.blobsSkipped++;
    return { digest, size: data.byteLength, uploaded: false };
  }
  const what = `upload of blob ${digest} to ${target.location}`;
  const request = (
    method: 'POST' | 'PATCH' | 'PUT',
    path: string | URL,
    headers: Record<string, string> = {},
    body?: Uint8Array,
  ) => target.client.request({ method, path, headers, body, repository: target.repository, access: 'push', signal });

  const start = await request('POST', repoPath(target, 'blobs/uploads/'), { 'content-length': '0' });
  if (start.status !== 202) throw await errorFromResponse(start, what);
  let location = uploadLocation(target, start, what);

  let finish: HttpResponse;
  if (data.byteLength <= chunkThresholdBytes) {
    location.searchParams.set('digest', digest);
    finish = await request(
      'PUT',
      location,
      { 'content-type': 'application/octet-stream', 'content-length': String(data.byteLength) },
      data,
    );
  } else {
    for (let offset = 0; offset < data.byteLength; offset += chunkSizeBytes) {
      const chunk = data.subarray(offset, Math.min(offset + chunkSizeBytes, data.byteLength));
      const res = await request(
        'PATCH',
        location,
        {
          'content-type': 'application/octet-stream',
          'content-length': String(chunk.byteLength),
          'content-range': `${offset}-${offset + chunk.byteLength - 1}`,
        },
        chunk,
      );
      if (res.status !== 202) throw await errorFromResponse(res, `${what} (chunk at ${offset})`);
      await res.body?.cancel();
      location = uploadLocation(target, res, what);
    }
    location.searchParams.set('digest', digest);
    finish = await request('PUT', location, { 'content-length': '0' });
  }
  if (finish.status !== 201) throw await errorFromResponse(finish, what);
  await finish.body?.cancel();
  const acknowledged = finish.headers.get('docker-content-digest');
  if (acknowledged && acknowledged !== digest) {
    throw new IntegrityError(`${what}: the registry stored ${acknowledged}`, {
      data: { location: target.location, digest, actualDigest: acknowledged },
    });
  }
  stats.blobUploads++;
  stats.bytesUploaded += data.byteLength;
  return { digest, size: data.byteLength, uploaded: true };
}

/** The session URL from `Location`, which may be relative and carries the session state in its query. */
function uploadLocation(target: RegistryTarget, res: HttpResponse, what: string): URL {
  const header = res.headers.get('location');
  if (!header)
    throw new UnavailableError(`${what}: the registry gave no upload location`, {
      data: { location: target.location },
    });
  return new URL(header, target.client.baseUrl);
}
