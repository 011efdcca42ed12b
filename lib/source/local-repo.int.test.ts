import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git } from '../../fixtures/testenv/git-server.ts';
import { openSource } from './source.ts';
import { BASIC_FIXTURE } from '../../fixtures/testenv/source-repos.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-source-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function workRepo(name: string): Promise<{ path: string; head: string }> {
  const path = join(dir, name);
  cpSync(BASIC_FIXTURE, path, { recursive: true });
  await git(path, ['init', '--quiet', '--initial-branch=main']);
  await git(path, ['add', '-A']);
  await git(path, ['commit', '--quiet', '-m', 'initial']);
  return { path, head: (await git(path, ['rev-parse', 'HEAD'])).trim() };
}

describe('local path sources', () => {
  it('reads the branch head from .git, not the working tree', async () => {
    const { path, head } = await workRepo('work');
    writeFileSync(join(path, 'apps/web/configmap.yaml'), 'uncommitted: true\n');
    writeFileSync(join(path, 'untracked.yaml'), 'x: 1\n');
    const source = await openSource({ spec: { url: path, branch: 'main' } });
    expect(source).toMatchObject({ kind: 'local', display: path, gitdir: join(path, '.git') });
    expect(await source.sync()).toEqual({ head, moved: true });
    const files = await source.readFiles({ commit: head });
    expect(files.map((f) => f.path)).not.toContain('untracked.yaml');
    expect(files.find((f) => f.path === 'apps/web/configmap.yaml')?.text).toContain('greeting: hello');

    await git(path, ['commit', '--quiet', '-am', 'second']);
    const second = (await git(path, ['rev-parse', 'HEAD'])).trim();
    expect(await source.sync()).toEqual({ head: second, previous: head, moved: true });
    expect((await source.changedPaths({ from: head, to: second })).changes).toEqual([
      { path: 'apps/web/configmap.yaml', change: 'modified' },
    ]);
  });

  it('reads packed objects and refs after git gc, and a relative path', async () => {
    const { path, head } = await workRepo('packed');
    await git(path, ['gc', '--quiet']);
    const source = await openSource({ spec: { url: 'packed', branch: 'main' }, baseDir: dir });
    expect((await source.sync()).head).toBe(head);
    expect(await source.readTree({ commit: head })).toHaveLength(5);
  });

  it('refuses a directory that is not a repository, and names a missing one', async () => {
    const plain = join(dir, 'plain');
    cpSync(BASIC_FIXTURE, plain, { recursive: true });
    await expect(openSource({ spec: { url: plain, branch: 'main' } })).rejects.toMatchObject({
      code: 'E_INVALID_INPUT',
      message: expect.stringContaining('is not a Git repository'),
    });
    await expect(openSource({ spec: { url: join(dir, 'missing'), branch: 'main' } })).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
    });
  });

  it('names a missing branch', async () => {
    const { path } = await workRepo('nobranch');
    const source = await openSource({ spec: { url: path, branch: 'release' } });
    await expect(source.sync()).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      message: `${path} has no branch release`,
    });
  });
});
