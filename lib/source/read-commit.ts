/**
 * Commit metadata for provenance (message, author, commit time) and ancestry
 * (is one commit reachable from another; false after a force push).
 *
 * @example
 *   const c = await readCommitInfo({ repo, oid: head });
 *   // { oid, message: 'web: bump image', author: { name, email }, commitTime: '2025-01-02T03:04:05.000Z', parents: [...] }
 */
import git from 'isomorphic-git';
import { NotFoundError } from '../errors/errors.ts';
import { type GitRepo, checkOid, isNotFound, readCommitLinks } from './repo.ts';

export interface GitCommitInfo {
  oid: string;
  message: string;
  author: { name: string; email: string };
  /** Committer time, ISO 8601 UTC. */
  commitTime: string;
  /** Author time, ISO 8601 UTC. */
  authorTime: string;
  parents: string[];
}

export async function readCommitInfo({
  repo,
  oid,
  signal,
}: {
  repo: GitRepo;
  oid: string;
  signal?: AbortSignal;
}): Promise<GitCommitInfo> {
  checkOid(oid);
  signal?.throwIfAborted();
  try {
    const { commit } = await git.readCommit({ fs: repo.fs, gitdir: repo.gitdir, oid, cache: repo.cache });
    // The commit's links come with it: a diff of this commit next (commitsSince does one per commit) need not read it again.
    if (!repo.commits.has(oid)) {
      if (repo.commits.size >= repo.maxCachedTrees) repo.commits.clear();
      repo.commits.set(oid, { tree: commit.tree, parents: commit.parent });
    }
    return {
      oid,
      message: commit.message.replace(/\n+$/, ''),
      author: { name: commit.author.name, email: commit.author.email },
      commitTime: new Date(commit.committer.timestamp * 1000).toISOString(),
      authorTime: new Date(commit.author.timestamp * 1000).toISOString(),
      parents: commit.parent,
    };
  } catch (err) {
    if (isNotFound(err))
      throw new NotFoundError(`commit ${oid} is not in the repository`, { data: { oid }, cause: err });
    throw err;
  }
}

/**
 * Whether `ancestor` is `oid` or reachable from it through parents: a
 * breadth-first walk over cached commit links, so a repeated check costs no
 * object reads. Exhausting the history (unrelated or rewritten) means false.
 */
export async function isAncestor({
  repo,
  ancestor,
  oid,
  signal,
}: {
  repo: GitRepo;
  ancestor: string;
  oid: string;
  signal?: AbortSignal;
}): Promise<boolean> {
  checkOid(ancestor);
  checkOid(oid);
  if (ancestor === oid) return true;
  await readCommitLinks({ repo, oid: ancestor }); // NotFoundError when we do not have it
  const seen = new Set<string>([oid]);
  let frontier = [oid];
  while (frontier.length > 0) {
    signal?.throwIfAborted();
    const links = await Promise.all(
      // A parent we do not have (a shallow local repository) ends that line of history.
      frontier.map((c) =>
        readCommitLinks({ repo, oid: c }).catch((err: unknown) =>
          c !== oid && err instanceof NotFoundError ? { parents: [] } : Promise.reject(err),
        ),
      ),
    );
    const parents = links.flatMap((l) => l.parents);
    if (parents.includes(ancestor)) return true;
    frontier = parents.filter((p) => !seen.has(p));
    for (const p of frontier) seen.add(p);
  }
  return false;
}
