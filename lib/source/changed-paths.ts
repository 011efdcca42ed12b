/**
 * Which files differ between two commits: a two-tree diff that compares
 * entries by oid and descends only into subtrees whose oids differ, so a
 * one-file change in a 10,000-file repository reads a handful of trees. It
 * reports `added | modified | deleted` per file (a mode change is a
 * modification; a file replaced by a directory is a deletion plus additions),
 * and whether `from` is an ancestor of `to` (false after a force push).
 *
 * Not built on isomorphic-git's `walk`: `walk` reads every child tree of a
 * directory before its `map` can decline to descend, so it cannot skip
 * unchanged subtrees by oid; it reads them all.
 *
 * Bounded as readTree is (tree-budget.ts): the entries of both trees of every
 * pair read count against `limits.treeEntries`, every directory entered
 * against `limits.treeDepth`, and at most eight pairs are read at once, so a
 * commit that adds a hostile tree stops at the cap with a TreeLimitError.
 *
 * @example
 *   const { changes, forcePush } = await changedPaths({ repo, from: prev, to: head, signal });
 *   // changes: [{ path: 'apps/web/deploy.yaml', change: 'modified' }]
 */
import { compilePathFilter, type PathFilter } from '../bundle/path-filter.ts';
import { drainLimit } from './drain-limit.ts';
import { isAncestor } from './read-commit.ts';
import { type GitRepo, type TreeItem, commitTree, readTreeObject } from './repo.ts';
import { type TreeBudget, createTreeBudget, enterDirectory, spendEntries } from './tree-budget.ts';

export type PathChange = 'added' | 'modified' | 'deleted';

export interface ChangedPath {
  path: string;
  change: PathChange;
}

export interface PathChangeSet {
  from: string;
  to: string;
  /** True when `from` is not an ancestor of `to`: history was rewritten (force push). */
  forcePush: boolean;
  /** Sorted by path. */
  changes: ChangedPath[];
}

/** Pairs of trees read at once by one diff. */
const DIFF_CONCURRENCY = 8;

/** A directory on both sides (a side is undefined where it is not a directory), its path and depth. */
interface TreePair {
  a: string | undefined;
  b: string | undefined;
  path: string;
  depth: number;
}

/** Diffs commit `from` against commit `to`, limited to `paths` (all files when empty). Throws TreeLimitError past the budget. */
export async function changedPaths({
  repo,
  from,
  to,
  paths = [],
  checkAncestry = true,
  budget = createTreeBudget(),
  signal,
}: {
  repo: GitRepo;
  from: string;
  to: string;
  paths?: readonly string[];
  /** Set false to skip the ancestry walk (`forcePush` is then false). */
  checkAncestry?: boolean;
  /** What this diff may read; shared with the rest of the operation when passed. */
  budget?: TreeBudget;
  signal?: AbortSignal;
}): Promise<PathChangeSet> {
  const [a, b] = await Promise.all([commitTree({ repo, oid: from }), commitTree({ repo, oid: to })]);
  const changes: ChangedPath[] = [];
  const filter = compilePathFilter(paths);
  const [, ancestor] = await Promise.all([
    drainLimit<TreePair>({
      start: [{ a, b, path: '', depth: 0 }],
      limit: DIFF_CONCURRENCY,
      step: (pair) => diffPair({ repo, pair, filter, changes, budget }),
      signal,
    }),
    checkAncestry && from !== to ? isAncestor({ repo, ancestor: from, oid: to, signal }) : true,
  ]);
  changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return { from, to, forcePush: !ancestor, changes };
}

/** Compares one pair of trees: files that differ go in `changes`; returns the pairs of subdirectories that differ. */
async function diffPair({
  repo,
  pair,
  filter,
  changes,
  budget,
}: {
  repo: GitRepo;
  pair: TreePair;
  filter: PathFilter;
  changes: ChangedPath[];
  budget: TreeBudget;
}): Promise<TreePair[]> {
  const { a, b, path: prefix, depth } = pair;
  if (a === b) return [];
  const [ia, ib] = await Promise.all([
    a ? readTreeObject({ repo, oid: a }) : [],
    b ? readTreeObject({ repo, oid: b }) : [],
  ]);
  spendEntries({ budget, path: prefix, count: ia.length + ib.length });
  const byName = new Map<string, [TreeItem | undefined, TreeItem | undefined]>();
  for (const e of ia) byName.set(e.name, [e, undefined]);
  for (const e of ib) {
    const both = byName.get(e.name);
    if (both) both[1] = e;
    else byName.set(e.name, [undefined, e]);
  }
  const sub: TreePair[] = [];
  for (const [name, [x, y]] of byName) {
    if (x && y && x.oid === y.oid && x.mode === y.mode) continue;
    const path = prefix ? `${prefix}/${name}` : name;
    const xTree = x?.type === 'tree' ? x.oid : undefined;
    const yTree = y?.type === 'tree' ? y.oid : undefined;
    const xFile = x?.type === 'blob' ? x : undefined;
    const yFile = y?.type === 'blob' ? y : undefined;
    if ((xTree || yTree) && filter.mayContain(path)) {
      enterDirectory({ budget, path, depth: depth + 1 });
      sub.push({ a: xTree, b: yTree, path, depth: depth + 1 });
    }
    if ((xFile || yFile) && filter.matches(path)) {
      changes.push({ path, change: xFile && yFile ? 'modified' : xFile ? 'deleted' : 'added' });
    }
  }
  return sub;
}
