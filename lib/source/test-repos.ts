/**
 * Integration-test helper: repositories on the real test Git server seeded
 * from fixtures/repos/source-basic, and commits pushed to them with the git
 * CLI (straight into the bare repository on disk), so tests see what a user's
 * `git push` produces.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import type { TestEnv } from '../../fixtures/testenv/env.ts';
import { uniqueName } from '../../fixtures/testenv/use-env.ts';

export const BASIC_FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/repos/source-basic');

export interface TestRepo {
  name: string;
  /** Clone URL on the test server. */
  url: string;
  /** The bare repository on disk. */
  bare: string;
}

export async function seedRepo(env: TestEnv, { prefix = 'source', private: isPrivate = false } = {}): Promise<TestRepo> {
  const name = uniqueName(prefix);
  const url = await createRepo(env.git, { name, fixtureDir: BASIC_FIXTURE, private: isPrivate });
  return { name, url, bare: join(env.git.root, isPrivate ? 'private' : '', `${name}.git`) };
}

/** Clones `bare`, lets `edit` change the work tree, commits everything and pushes. Returns the new head. */
export async function pushCommit({
  bare,
  edit,
  message = 'change',
  force = false,
  branch = 'main',
}: {
  bare: string;
  edit: (work: string) => Promise<void> | void;
  message?: string;
  /** Rewrite history: the commit replaces the branch's last commit (amend + force push). */
  force?: boolean;
  branch?: string;
}): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'drover-push-'));
  try {
    await git(work, ['clone', '--quiet', '--branch', branch, bare, '.']);
    await edit(work);
    await git(work, ['add', '-A']);
    await git(work, ['commit', '--quiet', '--allow-empty', ...(force ? ['--amend'] : []), '-m', message]);
    await git(work, ['push', '--quiet', ...(force ? ['--force'] : []), 'origin', branch]);
    return (await git(work, ['rev-parse', 'HEAD'])).trim();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function revParse(bare: string, ref = 'main'): Promise<string> {
  return (await git(bare, ['rev-parse', ref])).trim();
}
