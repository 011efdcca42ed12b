/** Does the registry have a blob? `HEAD /v2/<name>/blobs/<digest>`: 200 yes, 404 no. */
import type { Digest } from './digest.ts';
import { errorFromResponse } from './registry-errors.ts';
import { type RegistryTarget, repoPath } from './registry-target.ts';

export async function registryHasBlob({
  target,
  digest,
  signal,
}: {
  target: RegistryTarget;
  digest: Digest;
  signal?: AbortSignal;
}): Promise<boolean> {
  const res = await target.client.request({
    method: 'HEAD',
    path: repoPath(target, `blobs/${digest}`),
    repository: target.repository,
    access: 'pull',
    signal,
  });
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await errorFromResponse(res, `HEAD blob ${digest} of ${target.location}`);
}
