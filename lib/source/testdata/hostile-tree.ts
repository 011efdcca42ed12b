/**
 * Test helper: a commit whose tree is hostile, pushed to a repository with
 * the git CLI as an attacker would. Built bottom up with git plumbing
 * (`git hash-object -w`, `git mktree`, `git commit-tree`): one tree object
 * per level, named `fanout` times by the level above, so `levels` levels of
 * `fanout` entries are a few hundred bytes of objects and fanout^levels
 * paths (ten of ten: 10^10). `fanout: 1` makes a chain `levels` deep.
 *
 * @example
 *   const head = await pushHostileCommit({ bare, dir: 'nest', levels: 10, fanout: 10 });
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitIdentity } from '../../../fixtures/testenv/git-server.ts';

function git(cwd: string, args: string[], input?: string): string {
  return execFileSync('git', args, {
    cwd,
    input,
    env: { ...process.env, ...gitIdentity, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd },
    encoding: 'utf8',
  }).trim();
}

/** The tree oid of `levels` levels of `fanout` entries: directories `d<i>`, and files `f<i>.yaml` at the bottom. */
export function buildNestedTree({ repo, levels, fanout }: { repo: string; levels: number; fanout: number }): string {
  const blob = git(repo, ['hash-object', '-w', '--stdin'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
  let tree = git(
    repo,
    ['mktree'],
    Array.from({ length: fanout }, (_, i) => `100644 blob ${blob}\tf${i}.yaml\n`).join(''),
  );
  for (let level = 1; level < levels; level++) {
    const entries = Array.from({ length: fanout }, (_, i) => `040000 tree ${tree}\td${i}\n`).join('');
    tree = git(repo, ['mktree'], entries);
  }
  return tree;
}

/**
 * Clones `bare`, adds directory `dir` holding the nested tree to its head's
 * tree (replacing one of that name), commits that on top and pushes it.
 * Returns the new head.
 */
export async function pushHostileCommit({
  bare,
  dir = 'nest',
  levels,
  fanout,
  message = 'a tree of 10^10 paths',
  branch = 'main',
}: {
  bare: string;
  dir?: string;
  levels: number;
  fanout: number;
  message?: string;
  branch?: string;
}): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'drover-hostile-'));
  try {
    git(work, ['clone', '--quiet', '--bare', '--branch', branch, bare, 'repo.git']);
    const repo = join(work, 'repo.git');
    const nested = buildNestedTree({ repo, levels, fanout });
    const top = git(repo, ['ls-tree', branch])
      .split('\n')
      .filter((l) => l && l.split('\t')[1] !== dir);
    const root = git(repo, ['mktree'], [...top, `040000 tree ${nested}\t${dir}`].map((l) => `${l}\n`).join(''));
    const commit = git(repo, ['commit-tree', root, '-p', branch, '-m', message]);
    git(repo, ['push', '--quiet', bare, `${commit}:refs/heads/${branch}`]);
    return commit;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
