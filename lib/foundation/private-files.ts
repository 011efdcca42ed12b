/**
 * Drover's own places on disk (the state database with its -wal and -shm,
 * the render cache, the agent's state directory) are for the user Drover
 * runs as alone: folders it creates get mode 0700, files 0600. A folder that
 * already exists is never chmodded, whoever made it (a user's project
 * folder, a volume's mount point): only what Drover puts inside is kept
 * private. Existing files that are Drover's own (its database, a cache
 * entry) are tightened to 0600 when they belong to this process's user.
 *
 * The mode is given when a file or folder is created rather than by
 * changing the process's umask around the call: the umask is process-wide,
 * so another request writing a file meanwhile would get it too.
 *
 * @example
 *   makePrivateDir({ path: '/work/app/.drover' }); // '/work/app/.drover' when it made it, undefined when it existed
 *   makePrivateFile({ path: '/work/app/.drover/state.db' });
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

/** rwx for the owner only: a folder Drover creates. */
export const PRIVATE_DIR_MODE = 0o700;
/** rw for the owner only: a file Drover writes. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `path` and any missing parents, each with mode 0700. Returns the
 * first folder it created (as `mkdir -p` would), or undefined when `path`
 * existed; an existing folder keeps its mode.
 */
export function makePrivateDir({ path }: { path: string }): string | undefined {
  return mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Makes `path` a file only its owner can read and write: created empty with
 * mode 0600 when missing (unless `create` is false), chmodded to 0600 when it
 * exists, belongs to this process's user and grants group or others
 * anything. Returns whether the file exists now.
 */
export function makePrivateFile({ path, create = true }: { path: string; create?: boolean }): boolean {
  if (create) {
    try {
      // 'wx': made here or not at all, so an existing file is never opened for writing (it may be read-only).
      closeSync(openSync(path, 'wx', PRIVATE_FILE_MODE));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return false;
  const mine = process.getuid === undefined || st.uid === process.getuid();
  if (mine && (st.mode & 0o077) !== 0) chmodSync(path, st.mode & PRIVATE_FILE_MODE);
  return true;
}
