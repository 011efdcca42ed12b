/**
 * The files of a commit, recursively, as `{path, oid, mode}`: regular files,
 * executables and symlinks. Submodules (gitlinks) are not files and are left
 * out. Directories the path filter cannot match are not read at all.
 *
 * The walk is bounded (tree-budget.ts): every entry of every tree read is
 * counted against `limits.treeEntries` and every directory entered against
 * `limits.treeDepth` as it goes, so a hostile tree (ten levels of ten
 * directories: 10^10 paths from a few hundred bytes of objects) stops at the
 * cap with a TreeLimitError naming the path, having held at most that many
 * entries. At most eight trees are read at once, over the whole walk.
 *
 * @example
 *   const files = await readTree({ repo, commit: head, paths: ['apps/'], signal });
 *   // [{ path: 'apps/web/deploy.yaml', oid: '3b18e5...', mode: '100644' }, ...]
 */
import { compilePathFilter } from '../bundle/path-filter.ts';
import { drainLimit } from './drain-limit.ts';
import { type GitRepo, commitTree, readTreeObject } from './repo.ts';
import { type TreeBudget, createTreeBudget, enterDirectory, spendEntries } from './tree-budget.ts';

export type FileMode = '100644' | '100755' | '120000';

export interface TreeFile {
  /** Repository-relative, `/`-separated. */
  path: string;
  /** Blob oid. */
  oid: string;
  mode: FileMode;
}

export const SYMLINK_MODE = '120000';

/** Trees read at once by one walk. */
const WALK_CONCURRENCY = 8;

/** A directory still to read: its tree, its path, and how many levels below the root it is. */
interface Dir {
  oid: string;
  path: string;
  depth: number;
}

/**
 * Lists the files of `commit` selected by `paths` (all files when empty) and
 * `filter`, sorted by path. Throws TreeLimitError when the walk crosses the
 * budget's entries or depth.
 */
export async function readTree({
  repo,
  commit,
  paths = [],
  filter = () => true,
  budget = createTreeBudget(),
  signal,
}: {
  repo: GitRepo;
  commit: string;
  paths?: readonly string[];
  /** Files kept (those it refuses are not held); directories are pruned by `paths` alone. */
  filter?: (path: string) => boolean;
  /** What this walk may read; shared with the rest of the operation when passed. */
  budget?: TreeBudget;
  signal?: AbortSignal;
}): Promise<TreeFile[]> {
  const selected = compilePathFilter(paths);
  const out: TreeFile[] = [];
  const root: Dir = { oid: await commitTree({ repo, oid: commit }), path: '', depth: 0 };
  await drainLimit<Dir>({
    start: [root],
    limit: WALK_CONCURRENCY,
    signal,
    step: async (dir) => {
      const items = await readTreeObject({ repo, oid: dir.oid });
      spendEntries({ budget, path: dir.path, count: items.length });
      const subdirs: Dir[] = [];
      for (const item of items) {
        const path = dir.path ? `${dir.path}/${item.name}` : item.name;
        if (item.type === 'tree') {
          if (!selected.mayContain(path)) continue;
          enterDirectory({ budget, path, depth: dir.depth + 1 });
          subdirs.push({ oid: item.oid, path, depth: dir.depth + 1 });
        } else if (item.type === 'blob' && selected.matches(path) && filter(path)) {
          out.push({ path, oid: item.oid, mode: normalizeMode(item.mode) });
        }
      }
      return subdirs;
    },
  });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function normalizeMode(mode: string): FileMode {
  if (mode === '120000') return '120000';
  if (mode === '100755') return '100755';
  // Old repositories may carry 100664 and the like; git treats every non-executable blob as 100644.
  return '100644';
}
