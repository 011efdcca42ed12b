/**
 * The commits a branch gained since an earlier commit of it, as
 * `git rev-list from..to` lists them: every commit reachable from `to` that
 * `from` does not already contain (merged branches included), newest first,
 * each with the paths it changed against its first parent. The version bump
 * of a bundle is read from the messages of these commits that touched it,
 * not from the head commit alone.
 *
 * The walk is git's: both ends are walked together in commit-time order,
 * marking what `from` reaches as already seen, and it stops once nothing
 * left to walk can be new. So it costs the commits in between (plus the few
 * it takes to meet `from`'s side), not the whole history. At most `limit`
 * commits are returned (`truncated` says there were more). Their diffs run
 * four at a time and share one budget (tree-budget.ts): a commit in between
 * that adds a hostile tree costs the caps, not the tree.
 *
 * @example
 *   const { commits } = await commitsSince({ repo, from: lastCut, to: head });
 *   // [{ oid, message: 'feat: web reads flags', paths: ['web/deploy.yaml'], ... }, ...]
 */
import { mapLimit } from '../foundation/map-limit.ts';
import { changedPaths } from './changed-paths.ts';
import { type GitCommitInfo, readCommitInfo } from './read-commit.ts';
import type { GitRepo } from './repo.ts';
import { type TreeBudget, createTreeBudget } from './tree-budget.ts';

export interface CommitChange extends GitCommitInfo {
  /** Paths changed against the first parent; null for a root commit (it adds everything). */
  paths: string[] | null;
}

export interface CommitsSince {
  commits: CommitChange[];
  /** True when more than `limit` commits were new; the oldest were left out. */
  truncated: boolean;
}

/** Diffs of commits against their parents run at once. */
const DIFF_CONCURRENCY = 4;

const NEW = 1;
const SEEN = 2;

export async function commitsSince({
  repo,
  from,
  to,
  paths = [],
  limit = 500,
  budget = createTreeBudget(),
  signal,
}: {
  repo: GitRepo;
  from: string;
  to: string;
  /** Path filters of the source; commits' changed paths are limited to them. */
  paths?: readonly string[];
  limit?: number;
  /** What the diffs together may read; shared with the rest of the operation when passed. */
  budget?: TreeBudget;
  signal?: AbortSignal;
}): Promise<CommitsSince> {
  const flags = new Map<string, number>();
  const info = new Map<string, GitCommitInfo>();
  /** Commits still to walk, newest first by commit time. */
  const queue: GitCommitInfo[] = [];
  const enqueue = async (oid: string, flag: number) => {
    const had = flags.get(oid) ?? 0;
    if ((had | flag) === had) return;
    flags.set(oid, had | flag);
    if (had !== 0) return; // queued (the flag goes on when it is walked) or walked (step passes SEEN on)
    const c = await readCommitInfo({ repo, oid, signal });
    info.set(oid, c);
    const at = queue.findIndex((q) => q.commitTime < c.commitTime);
    queue.splice(at < 0 ? queue.length : at, 0, c);
  };
  await enqueue(from, SEEN);
  await enqueue(to, NEW);

  const walked: string[] = [];
  /** Commits taken off the queue (their parents have been queued). */
  const done = new Set<string>();
  const step = async () => {
    signal?.throwIfAborted();
    const c = queue.shift()!;
    done.add(c.oid);
    const f = flags.get(c.oid)!;
    if (!(f & SEEN)) walked.push(c.oid);
    for (const p of c.parents) {
      const before = flags.get(p) ?? 0;
      await enqueue(p, f);
      // Reaching an already walked commit from `from`'s side: it and what it reaches are not new after all.
      if (f & SEEN && !(before & SEEN) && done.has(p)) propagateSeen(p);
    }
  };
  // Until everything left to walk is already contained in `from`...
  while (queue.some((c) => !((flags.get(c.oid) ?? 0) & SEEN)) && walked.length <= limit) await step();
  // ...and `from`'s side has come down past the oldest commit taken as new (commits of the same second are ordered arbitrarily).
  const oldest = walked.reduce((m, oid) => (info.get(oid)!.commitTime < m ? info.get(oid)!.commitTime : m), '~');
  while (walked.length <= limit && queue.length > 0 && queue[0]!.commitTime >= oldest) await step();

  /** Marks what a walked commit reaches as contained in `from`; commits still queued carry the mark on when they are walked. */
  function propagateSeen(oid: string): void {
    const stack = [oid];
    while (stack.length > 0) {
      const o = stack.pop()!;
      for (const p of info.get(o)!.parents) {
        const had = flags.get(p) ?? 0;
        if (had & SEEN) continue;
        flags.set(p, had | SEEN);
        if (done.has(p)) stack.push(p);
      }
    }
  }

  const fresh = walked.filter((oid) => !((flags.get(oid) ?? 0) & SEEN));
  const kept = fresh.slice(0, limit);
  const commits = await mapLimit(kept, DIFF_CONCURRENCY, async (oid): Promise<CommitChange> => {
    const c = info.get(oid)!;
    const parent = c.parents[0];
    if (!parent) return { ...c, paths: null };
    const diff = await changedPaths({
      repo,
      from: parent,
      to: oid,
      paths,
      checkAncestry: false,
      budget,
      signal,
    });
    return { ...c, paths: diff.changes.map((x) => x.path) };
  });
  return { commits, truncated: fresh.length > limit };
}
