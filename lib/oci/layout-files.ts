/**
 * Crash-safe file writes for the image layout: content goes to a temporary
 * file in the layout directory, is flushed, then renamed over its final name,
 * so a reader sees the old file or the new one, never half of one. Index
 * updates are serialized by a lock file (`index.json.lock`, created with
 * O_EXCL) that works across stores and processes; a lock older than `staleMs`
 * is taken to be left by a crashed writer and broken.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UnavailableError } from '../errors/errors.ts';

const TMP_PREFIX = '.drover-tmp-';

/** Writes `data` to `file` atomically; `tmpDir` must be on the same filesystem. */
export async function writeFileAtomic({
  file,
  data,
  tmpDir,
  signal,
}: {
  file: string;
  data: Uint8Array | string;
  tmpDir: string;
  signal?: AbortSignal;
}): Promise<void> {
  signal?.throwIfAborted();
  const tmp = join(tmpDir, `${TMP_PREFIX}${randomBytes(8).toString('hex')}`);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    signal?.throwIfAborted();
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export interface LockOptions {
  lockFile: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  staleMs?: number;
}

/** Runs `fn` holding `lockFile`. */
export async function withLockFile<T>(
  { lockFile, signal, timeoutMs = 30_000, staleMs = 30_000 }: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const fh = await open(lockFile, 'wx');
      await fh.writeFile(`${process.pid} ${new Date().toISOString()}\n`);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const age = await stat(lockFile).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > staleMs) {
      await rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new UnavailableError(`timed out after ${timeoutMs} ms waiting for the lock ${lockFile}`, {
        data: { lockFile },
      });
    }
    await new Promise((r) => setTimeout(r, 2 + Math.random() * 10));
  }
  try {
    return await fn();
  } finally {
    await rm(lockFile, { force: true });
  }
}
