// commitsSince against repositories built with the real git CLI, checked
// against `git rev-list from..to` itself: linear history, a merged branch
// that forked before `from`, a merge of an old commit that `from` already
// holds, many commits within one second, and the limit.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git } from '../../fixtures/testenv/git-server.ts';
import { commitsSince } from './commits-since.ts';
import { openRepo } from './repo.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-commits-since-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function repo(): Promise<{
  path: string;
  commit: (message: string, file: string, at?: number) => Promise<string>;
  revList: (range: string) => Promise<string[]>;
}> {
  const path = join(dir, `r${n++}`);
  await git(dir, ['init', '--quiet', '--initial-branch=main', path]);
  let clock = 1_700_000_000;
  return {
    path,
    commit: async (message, file, at) => {
      writeFileSync(join(path, file), `${message}\n`);
      await git(path, ['add', '-A']);
      const when = `${at ?? (clock += 60)} +0000`;
      await git(path, ['commit', '--quiet', '-m', message], { GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when });
      return (await git(path, ['rev-parse', 'HEAD'])).trim();
    },
    revList: async (range) => (await git(path, ['rev-list', range])).trim().split('\n').filter(Boolean),
  };
}

const since = async (path: string, from: string, to: string, limit?: number) =>
  commitsSince({ repo: openRepo({ gitdir: join(path, '.git') }), from, to, ...(limit ? { limit } : {}) });

describe('commitsSince', () => {
  it('lists the commits of a linear history since `from`, newest first, with their paths', async () => {
    const r = await repo();
    const a = await r.commit('initial', 'a.yaml');
    await r.commit('feat: web flags', 'web.yaml');
    const c = await r.commit('fix: api', 'api.yaml');
    const got = await since(r.path, a, c);
    expect(got.truncated).toBe(false);
    expect(got.commits.map((x) => [x.message, x.paths])).toEqual([
      ['fix: api', ['api.yaml']],
      ['feat: web flags', ['web.yaml']],
    ]);
    expect(got.commits.map((x) => x.oid)).toEqual(await r.revList(`${a}..${c}`));
    expect((await since(r.path, c, c)).commits).toEqual([]);
    expect((await since(r.path, c, a)).commits).toEqual([]);
  });

  it('includes a branch that forked before `from` and was merged after it, and nothing `from` already holds', async () => {
    const r = await repo();
    await r.commit('initial', 'a.yaml');
    await git(r.path, ['checkout', '--quiet', '-b', 'side']);
    await r.commit('feat: side work', 'side.yaml');
    await git(r.path, ['checkout', '--quiet', 'main']);
    const from = await r.commit('chore: main work', 'main.yaml');
    await git(r.path, ['merge', '--quiet', '--no-edit', 'side'], {
      GIT_AUTHOR_DATE: '1700009999 +0000',
      GIT_COMMITTER_DATE: '1700009999 +0000',
    });
    const merged = (await git(r.path, ['rev-parse', 'HEAD'])).trim();
    const to = await r.commit('fix: after merge', 'after.yaml');
    const got = await since(r.path, from, to);
    expect(got.commits.map((x) => x.oid).sort()).toEqual((await r.revList(`${from}..${to}`)).sort());
    expect(got.commits.map((x) => x.message)).toContain('feat: side work');
    expect(got.commits.find((x) => x.oid === merged)!.paths).toEqual(['side.yaml']);
    expect(got.commits.map((x) => x.message)).not.toContain('chore: main work');
    expect(got.commits.map((x) => x.message)).not.toContain('initial');
  });

  it('leaves out old commits that a merge brings back but `from` already holds', async () => {
    const r = await repo();
    const old = await r.commit('feat: old', 'a.yaml');
    const from = await r.commit('fix: newer', 'b.yaml');
    await git(r.path, ['checkout', '--quiet', '-b', 'stale', old]);
    await r.commit('docs: stale branch', 'c.yaml');
    await git(r.path, ['checkout', '--quiet', 'main']);
    await git(r.path, ['merge', '--quiet', '--no-edit', 'stale'], {
      GIT_AUTHOR_DATE: '1700099999 +0000',
      GIT_COMMITTER_DATE: '1700099999 +0000',
    });
    const to = (await git(r.path, ['rev-parse', 'HEAD'])).trim();
    const got = await since(r.path, from, to);
    expect(got.commits.map((x) => x.oid).sort()).toEqual((await r.revList(`${from}..${to}`)).sort());
    expect(got.commits.map((x) => x.message)).not.toContain('feat: old');
  });

  it('is exact when many commits share one second, and stops at the limit', async () => {
    const r = await repo();
    const same = 1_700_500_000;
    const from = await r.commit('initial', 'a.yaml', same);
    let to = from;
    for (let i = 0; i < 12; i++) to = await r.commit(`fix: ${i}`, `f${i}.yaml`, same);
    const got = await since(r.path, from, to);
    expect(got.commits.map((x) => x.oid).sort()).toEqual((await r.revList(`${from}..${to}`)).sort());
    const capped = await since(r.path, from, to, 5);
    expect(capped.truncated).toBe(true);
    expect(capped.commits).toHaveLength(5);
  });
});
