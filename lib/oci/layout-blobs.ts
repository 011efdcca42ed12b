/**
 * Blobs of an image layout: `blobs/sha256/<hex>`, written atomically, read
 * back size-capped (from the file's size, before reading) and digest-checked,
 * so corruption on disk is an IntegrityError rather than bad bytes handed on.
 */
import { readFile, stat } from 'node:fs/promises';
import { IntegrityError, NotFoundError } from '../errors/errors.ts';
import { type Digest, sha256Digest } from './digest.ts';
import { writeFileAtomic } from './layout-files.ts';
import { type LayoutTarget, blobPath, ensureLayout } from './layout-target.ts';
import { DEFAULT_MAX_BLOB_BYTES, type FetchBlobArgs, type PushBlobArgs, type PushBlobResult } from './store.ts';
import { checkDeclaredSize, verifyBytes } from './verify.ts';

export async function layoutHasBlob({
  target,
  digest,
}: {
  target: LayoutTarget;
  digest: Digest;
  signal?: AbortSignal;
}): Promise<boolean> {
  target.stats.requests++;
  return stat(blobPath(target, digest)).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function layoutPushBlob({
  target,
  data,
  digest: expected,
  signal,
}: PushBlobArgs & { target: LayoutTarget }): Promise<PushBlobResult> {
  const digest = sha256Digest(data);
  if (expected !== undefined && expected !== digest) {
    throw new IntegrityError(`blob to write to ${target.location} hashes to ${digest}, not ${expected}`, {
      data: { location: target.location, digest: expected, actualDigest: digest },
    });
  }
  if (!(await writeBlob({ target, data, digest, signal }))) {
    target.stats.blobsSkipped++;
    return { digest, size: data.byteLength, uploaded: false };
  }
  target.stats.blobUploads++;
  target.stats.bytesUploaded += data.byteLength;
  return { digest, size: data.byteLength, uploaded: true };
}

/** Writes content under its digest unless it is there already; true when written. Not counted as a blob upload (manifests use it too). */
export async function writeBlob({
  target,
  data,
  digest,
  signal,
}: {
  target: LayoutTarget;
  data: Uint8Array;
  digest: Digest;
  signal?: AbortSignal;
}): Promise<boolean> {
  if (await layoutHasBlob({ target, digest })) return false;
  await ensureLayout(target);
  target.stats.requests++;
  await writeFileAtomic({ file: blobPath(target, digest), data, tmpDir: target.dir, signal });
  return true;
}

export async function layoutFetchBlob({
  target,
  digest,
  size,
  maxBytes = DEFAULT_MAX_BLOB_BYTES,
  signal,
  what = 'blob',
}: FetchBlobArgs & { target: LayoutTarget; what?: string }): Promise<Uint8Array> {
  target.stats.requests++;
  const file = blobPath(target, digest);
  const expected = { location: target.location, digest, size, maxBytes, what };
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT')
      throw new NotFoundError(`${what} ${digest} not found in ${target.location}`, {
        data: { location: target.location, digest },
      });
    throw err;
  });
  checkDeclaredSize(expected, info.size);
  const bytes = await readFile(file, { signal });
  verifyBytes(expected, bytes);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
