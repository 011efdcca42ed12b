import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../fixtures/testenv/use-env.ts';
import { isManifestPath } from '../bundle/path-filter.ts';
import { openSource } from './source.ts';
import { pushCommit, revParse, seedRepo } from '../../fixtures/testenv/source-repos.ts';

const env = testEnv();
const cacheDir = mkdtempSync(join(tmpdir(), 'drover-source-cache-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const packs = (gitdir: string) => readdirSync(join(gitdir, 'objects', 'pack')).filter((f) => f.endsWith('.pack'));

describe('remote sources over HTTP', () => {
  it('clones the branch and reads its files at the head', async () => {
    const repo = await seedRepo(env);
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
    const { head, moved } = await source.sync();
    expect(head).toBe(await revParse(repo.bare));
    expect(moved).toBe(true);
    expect(source.gitdir.startsWith(cacheDir)).toBe(true);

    const tree = await source.readTree({ commit: head });
    expect(tree.map((f) => f.path)).toEqual([
      'README.md',
      'apps/api/service.json',
      'apps/web/configmap.yaml',
      'apps/web/deployment.yaml',
      'docs/notes.md',
    ]);
    expect(tree[0]).toMatchObject({ mode: '100644', oid: expect.stringMatching(/^[0-9a-f]{40}$/) });

    const files = await source.readFiles({ commit: head, filter: isManifestPath });
    expect(files.map((f) => f.path)).toEqual([
      'apps/api/service.json',
      'apps/web/configmap.yaml',
      'apps/web/deployment.yaml',
    ]);
    expect(files[1]?.text).toContain('greeting: hello');

    const commit = await source.readCommit({ oid: head });
    expect(commit).toMatchObject({
      oid: head,
      message: 'initial',
      author: { name: 'Drover Test', email: 'test@drover.invalid' },
      parents: [],
    });
    expect(Date.parse(commit.commitTime)).toBeGreaterThan(Date.now() - 600_000);
  });

  it('applies the spec path filters, and readFiles limits name the file', async () => {
    const repo = await seedRepo(env);
    const source = await openSource({ spec: { url: repo.url, branch: 'main', paths: ['apps/web'] }, cacheDir });
    const { head } = await source.sync();
    expect((await source.readTree({ commit: head })).map((f) => f.path)).toEqual([
      'apps/web/configmap.yaml',
      'apps/web/deployment.yaml',
    ]);
    expect((await source.readTree({ commit: head, paths: ['apps/*/service.json'] })).map((f) => f.path)).toEqual([
      'apps/api/service.json',
    ]);
    await expect(source.readFiles({ commit: head, limits: { maxFileBytes: 100 } })).rejects.toThrow(
      /^apps\/web\/deployment\.yaml: \d+ bytes, more than the limit of 100 per file$/,
    );
    await expect(source.readFiles({ commit: head, limits: { maxFiles: 1 } })).rejects.toMatchObject({
      code: 'E_INVALID_INPUT',
      data: { file: 'apps/web/deployment.yaml' },
    });
    await expect(source.readFiles({ commit: head, limits: { treeBytes: 200 } })).rejects.toMatchObject({
      code: 'E_TREE_LIMIT',
      message: expect.stringMatching(/^apps\/web\/\S+: \d+ blob bytes read, more than limits\.treeBytes \(200\)/),
      data: { setting: 'treeBytes', limit: 200 },
    });
  });

  it('fetches incrementally after a push: only the new objects come over', async () => {
    const repo = await seedRepo(env);
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
    const first = await source.sync();
    const [firstPack] = packs(source.gitdir);
    const next = await pushCommit({
      bare: repo.bare,
      edit: (w) => writeFileSync(join(w, 'apps/web/configmap.yaml'), 'kind: ConfigMap\n'),
      message: 'web: greeting',
    });
    const second = await source.sync();
    expect(second).toEqual({ head: next, previous: first.head, moved: true });
    const after = packs(source.gitdir);
    expect(after).toHaveLength(2);
    const newPack = after.find((p) => p !== firstPack)!;
    // The new pack holds the commit, three trees and one blob, not the whole history again.
    expect(statSync(join(source.gitdir, 'objects', 'pack', newPack)).size).toBeLessThan(
      statSync(join(source.gitdir, 'objects', 'pack', firstPack!)).size,
    );

    // Nothing new: no new pack, head unchanged.
    expect(await source.sync()).toEqual({ head: next, previous: next, moved: false });
    expect(packs(source.gitdir)).toHaveLength(2);

    // A second Source on the same URL shares the cache and reads without fetching anything new.
    const again = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
    expect(again.gitdir).toBe(source.gitdir);
    expect((await again.sync()).head).toBe(next);
  });

  it('reports a missing branch and a missing repository', async () => {
    const repo = await seedRepo(env);
    const noBranch = await openSource({ spec: { url: repo.url, branch: 'nope' }, cacheDir });
    await expect(noBranch.sync()).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      message: `${repo.url} has no branch nope`,
    });
    const noRepo = await openSource({ spec: { url: `${env.git.url}/does-not-exist.git`, branch: 'main' }, cacheDir });
    await expect(noRepo.sync()).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('stops on an aborted signal', async () => {
    const repo = await seedRepo(env);
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
    await expect(source.sync({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
