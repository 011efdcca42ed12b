/**
 * The files of a commit, recursively, as `{path, oid, mode}`: regular files,
 * executables and symlinks. Submodules (gitlinks) are not files and are left
 * out. Directories the path filter cannot match are not read at all.
 *
 * @example
 *   const files = await readTree({ repo, commit: head, paths: ['apps/'], signal });
 *   // [{ path: 'apps/web/deploy.yaml', oid: '3b18e5...', mode: '100644' }, ...]
 */
import { compilePathFilter } from '../bundle/path-filter.ts';
import { type GitRepo, commitTree, readTreeObject } from './repo.ts';

export type FileMode = '100644' | '100755' | '120000';

export interface TreeFile {
  /** Repository-relative, `/`-separated. */
  path: string;
  /** Blob oid. */
  oid: string;
  mode: FileMode;
}

export const SYMLINK_MODE = '120000';

/** Lists the files of `commit` selected by `paths` (all files when empty), sorted by path. */
export async function readTree({
  repo,
  commit,
  paths = [],
  signal,
}: {
  repo: GitRepo;
  commit: string;
  paths?: readonly string[];
  signal?: AbortSignal;
}): Promise<TreeFile[]> {
  const filter = compilePathFilter(paths);
  const out: TreeFile[] = [];
  const visit = async (treeOid: string, prefix: string): Promise<void> => {
    signal?.throwIfAborted();
    const items = await readTreeObject({ repo, oid: treeOid });
    const subdirs: Promise<void>[] = [];
    for (const item of items) {
      const path = prefix ? `${prefix}/${item.name}` : item.name;
      if (item.type === 'tree') {
        if (filter.mayContain(path)) subdirs.push(visit(item.oid, path));
      } else if (item.type === 'blob' && filter.matches(path)) {
        out.push({ path, oid: item.oid, mode: normalizeMode(item.mode) });
      }
    }
    await Promise.all(subdirs);
  };
  await visit(await commitTree({ repo, oid: commit }), '');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function normalizeMode(mode: string): FileMode {
  if (mode === '120000') return '120000';
  if (mode === '100755') return '100755';
  // Old repositories may carry 100664 and the like; git treats every non-executable blob as 100644.
  return '100644';
}
