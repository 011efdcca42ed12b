/**
 * The caps on reading a commit's content, and the counter one operation
 * spends against them as it reads. Repository content is untrusted: a tree
 * of ten directories of ten directories, ten levels deep, is a few hundred
 * bytes of Git objects (one tree object per level, reused) and 10^10 paths.
 * So a walk counts every tree entry it reads and every directory it enters,
 * and a read counts every blob byte, before it goes on; crossing a cap is a
 * TreeLimitError naming the path where it happened and the drover.yaml
 * setting (`limits.treeEntries`, `limits.treeDepth`, `limits.treeBytes`) to
 * raise. One budget is shared by everything one operation reads (a cut's
 * manifest read and its renders' reads of their directories), so the caps
 * bound the operation, not each call. The checks are pure; the budget is a
 * plain counter.
 *
 * @example
 *   const budget = createTreeBudget({ limits: { treeDepth: 8 } });
 *   spendEntries({ budget, path: 'apps', count: 12 });
 *   enterDirectory({ budget, path: 'apps/a/a/a/a/a/a/a/a', depth: 9 }); // throws TreeLimitError (E_TREE_LIMIT)
 */
import { TreeLimitError } from '../errors/errors.ts';

export interface TreeLimits {
  /** Tree entries (files, directories, submodules) one operation may read, over every tree it walks. */
  treeEntries: number;
  /** Deepest directory nesting walked: a directory `treeDepth + 1` levels below the root is refused. */
  treeDepth: number;
  /** Blob bytes one operation may read, every file together (one file alone has its own cap, 4 MiB). */
  treeBytes: number;
}

export type TreeLimitSetting = keyof TreeLimits;

/** The caps when drover.yaml says nothing (lib/config's defaults are the same numbers; a test checks). */
export const DEFAULT_TREE_LIMITS: Readonly<TreeLimits> = {
  treeEntries: 100_000,
  treeDepth: 32,
  treeBytes: 256 * 1024 * 1024,
};

/** What one operation has read so far, against its limits. */
export interface TreeBudget {
  readonly limits: Readonly<TreeLimits>;
  entries: number;
  bytes: number;
}

export function createTreeBudget({ limits = {} }: { limits?: Partial<TreeLimits> } = {}): TreeBudget {
  return { limits: { ...DEFAULT_TREE_LIMITS, ...limits }, entries: 0, bytes: 0 };
}

/** How each setting's crossing reads. */
const CROSSED: Record<TreeLimitSetting, (value: number) => string> = {
  treeEntries: (value) => `${value} tree entries read`,
  treeDepth: (value) => `tree ${value} directories deep`,
  treeBytes: (value) => `${value} blob bytes read`,
};

/**
 * The error for `value` of `setting` past its `limit` at `path`, or
 * undefined while it is within. Pure.
 *
 * @example
 *   treeLimitCrossed({ setting: 'treeDepth', limit: 32, value: 33, path: 'apps/a/a/...' })?.message;
 *   // 'apps/a/a/a/a/a/...: tree 33 directories deep, more than limits.treeDepth (32); ...'
 */
export function treeLimitCrossed({
  setting,
  limit,
  value,
  path,
}: {
  setting: TreeLimitSetting;
  limit: number;
  value: number;
  path: string;
}): TreeLimitError | undefined {
  if (value <= limit) return undefined;
  return new TreeLimitError(
    `${shortPath(path)}: ${CROSSED[setting](value)}, more than limits.${setting} (${limit}); the repository's content is refused, raise limits.${setting} in drover.yaml if it is meant to be this large`,
    { data: { path, setting, limit, value } },
  );
}

/** Counts the `count` entries of the tree at `path`; throws TreeLimitError once the operation has read more than `treeEntries`. */
export function spendEntries({ budget, path, count }: { budget: TreeBudget; path: string; count: number }): void {
  budget.entries += count;
  const err = treeLimitCrossed({
    setting: 'treeEntries',
    limit: budget.limits.treeEntries,
    value: budget.entries,
    path,
  });
  if (err) throw err;
}

/** Throws TreeLimitError when directory `path`, `depth` levels below the root, is deeper than `treeDepth`. */
export function enterDirectory({ budget, path, depth }: { budget: TreeBudget; path: string; depth: number }): void {
  const err = treeLimitCrossed({ setting: 'treeDepth', limit: budget.limits.treeDepth, value: depth, path });
  if (err) throw err;
}

/** Counts `bytes` of the blob at `path`; throws TreeLimitError once the operation has read more than `treeBytes`. */
export function spendBytes({ budget, path, bytes }: { budget: TreeBudget; path: string; bytes: number }): void {
  budget.bytes += bytes;
  const err = treeLimitCrossed({ setting: 'treeBytes', limit: budget.limits.treeBytes, value: budget.bytes, path });
  if (err) throw err;
}

const SHOWN_SEGMENTS = 6;
const SHOWN_CHARS = 200;

/**
 * A path as a message shows it: its first six segments, then `/...`, and at
 * most 200 characters (the whole path is in the error's data). The root is
 * `(repository root)`. Pure.
 */
export function shortPath(path: string): string {
  if (path === '') return '(repository root)';
  const parts = path.split('/');
  let shown = parts.length > SHOWN_SEGMENTS ? `${parts.slice(0, SHOWN_SEGMENTS).join('/')}/...` : path;
  if (shown.length > SHOWN_CHARS) shown = `${shown.slice(0, SHOWN_CHARS)}...`;
  return shown;
}
