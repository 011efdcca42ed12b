/**
 * One open Git directory and the caches that make repeated reads cheap: the
 * isomorphic-git `cache` (pack indexes, shared by every call on this gitdir)
 * and bounded maps of parsed trees and of commit links (tree, parents) by oid. Git objects
 * never change under an oid, so these caches need no invalidation; they are
 * per handle (per source), never module-level.
 *
 * @example
 *   const repo = openRepo({ gitdir: '/cache/ab12.../' });
 *   const tree = await readTreeObject({ repo, oid: await commitTree({ repo, oid: head }) });
 */
import * as nodeFs from 'node:fs';
import git from 'isomorphic-git';
import { InvalidInputError, NotFoundError } from '../errors/errors.ts';

export type FsClient = typeof nodeFs;

export interface TreeItem {
  /** Entry name inside its tree (one path segment). */
  name: string;
  /** `100644`, `100755`, `120000` (symlink), `040000` (tree) or `160000` (submodule). */
  mode: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

export interface CommitLinks {
  tree: string;
  parents: readonly string[];
}

export interface GitRepo {
  fs: FsClient;
  gitdir: string;
  /** isomorphic-git's cache object, passed to every call. */
  cache: object;
  trees: Map<string, readonly TreeItem[]>;
  /** Commit oid -> its tree and parents (what diffs and ancestry walks need). */
  commits: Map<string, CommitLinks>;
  /** Trees (and commits) kept before a map is emptied (a crude bound on memory). */
  maxCachedTrees: number;
}

export function openRepo({
  gitdir,
  fs = nodeFs,
  maxCachedTrees = 50_000,
}: {
  gitdir: string;
  fs?: FsClient;
  maxCachedTrees?: number;
}): GitRepo {
  return { fs, gitdir, cache: {}, trees: new Map(), commits: new Map(), maxCachedTrees };
}

const OID = /^[0-9a-f]{40}$/;

/** Throws InvalidInputError unless `oid` is a full lower-case SHA-1. */
export function checkOid(oid: string, what = 'commit'): string {
  if (!OID.test(oid))
    throw new InvalidInputError(`${what} ${JSON.stringify(oid)} is not a full 40-hex object id`, { data: { oid } });
  return oid;
}

export function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'NotFoundError' || code === 'ENOENT';
}

/** The tree and parents of commit `oid`, read once per handle. */
export async function readCommitLinks({ repo, oid }: { repo: GitRepo; oid: string }): Promise<CommitLinks> {
  checkOid(oid);
  const known = repo.commits.get(oid);
  if (known) return known;
  let links: CommitLinks;
  try {
    const { commit } = await git.readCommit({ fs: repo.fs, gitdir: repo.gitdir, oid, cache: repo.cache });
    links = { tree: commit.tree, parents: commit.parent };
  } catch (err) {
    if (isNotFound(err))
      throw new NotFoundError(`commit ${oid} is not in the repository`, { data: { oid }, cause: err });
    throw err;
  }
  if (repo.commits.size >= repo.maxCachedTrees) repo.commits.clear();
  repo.commits.set(oid, links);
  return links;
}

/** The tree oid of commit `oid`. */
export async function commitTree({ repo, oid }: { repo: GitRepo; oid: string }): Promise<string> {
  return (await readCommitLinks({ repo, oid })).tree;
}

/** The entries of tree `oid`, parsed once per handle. */
export async function readTreeObject({ repo, oid }: { repo: GitRepo; oid: string }): Promise<readonly TreeItem[]> {
  const known = repo.trees.get(oid);
  if (known) return known;
  const { tree } = await git.readTree({ fs: repo.fs, gitdir: repo.gitdir, oid, cache: repo.cache });
  const items: TreeItem[] = tree.map((e) => ({ name: e.path, mode: e.mode, oid: e.oid, type: e.type }));
  if (repo.trees.size >= repo.maxCachedTrees) repo.trees.clear();
  repo.trees.set(oid, items);
  return items;
}
