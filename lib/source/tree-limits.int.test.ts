// Hostile trees against the real Git server: commits built with git plumbing
// (one tree object per level, reused), pushed, fetched by isomorphic-git, and
// read. Every read of them stops at drover.yaml's limits with E_TREE_LIMIT
// naming the path and the setting, having counted at most one tree past the
// cap; what the path filter leaves out is not read, so it costs nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { revParse, seedRepo } from '../../fixtures/testenv/source-repos.ts';
import { testEnv } from '../../fixtures/testenv/use-env.ts';
import { isManifestPath } from '../bundle/path-filter.ts';
import { TreeLimitError } from '../errors/errors.ts';
import { openSource } from './source.ts';
import { pushHostileCommit } from './testdata/hostile-tree.ts';

const env = testEnv();
const cacheDir = mkdtempSync(join(tmpdir(), 'drover-source-cache-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** The TreeLimitError `p` rejects with. */
async function crossed(p: Promise<unknown>): Promise<TreeLimitError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TreeLimitError);
  return err as TreeLimitError;
}

describe('a tree of ten levels of ten directories (10^10 paths)', () => {
  it('every walk of it stops at limits.treeEntries, naming where, one tree past the cap at most', async () => {
    const repo = await seedRepo(env, { prefix: 'hostile' });
    const before = await revParse(repo.bare);
    const head = await pushHostileCommit({ bare: repo.bare, dir: 'nest', levels: 10, fanout: 10 });
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
    expect((await source.sync()).head).toBe(head);

    // One walk at a time: started together, a walk's refusal would wait unhandled while an earlier one is awaited.
    const reads = {
      readTree: () => source.readTree({ commit: head }),
      readFiles: () => source.readFiles({ commit: head, filter: isManifestPath }),
      changedPaths: () => source.changedPaths({ from: before, to: head }),
      commitsSince: () => source.commitsSince({ from: before, to: head }),
    };
    for (const [what, read] of Object.entries(reads)) {
      const err = await crossed(read());
      expect(err.code, what).toBe('E_TREE_LIMIT');
      expect(err.data, what).toMatchObject({ setting: 'treeEntries', limit: 100_000 });
      // Counted as it went: the walk stopped at the tree that took it past the cap (ten entries a tree here).
      expect(err.data.value as number, what).toBeLessThanOrEqual(100_000 + 20);
      expect(err.data.path as string, what).toMatch(/^nest\/d\d(\/d\d)*$/);
      expect(err.message, what).toMatch(
        /^nest\/d\d\S*: \d+ tree entries read, more than limits\.treeEntries \(100000\); .*raise limits\.treeEntries in drover\.yaml/,
      );
    }

    // Within a smaller cap the same; outside the path filter the tree is never read, so it costs nothing.
    const small = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir, limits: { treeEntries: 50 } });
    expect((await crossed(small.readTree({ commit: head }))).data).toMatchObject({ limit: 50 });
    const apps = await openSource({ spec: { url: repo.url, branch: 'main', paths: ['apps'] }, cacheDir });
    expect((await apps.readTree({ commit: head })).map((f) => f.path)).toEqual([
      'apps/api/service.json',
      'apps/web/configmap.yaml',
      'apps/web/deployment.yaml',
    ]);
  });
});

describe('a chain of directories forty deep', () => {
  it('stops at limits.treeDepth, naming the directory that is too deep', async () => {
    const repo = await seedRepo(env, { prefix: 'hostile' });
    const head = await pushHostileCommit({ bare: repo.bare, dir: 'apps', levels: 40, fanout: 1 });
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
    await source.sync();
    const err = await crossed(source.readFiles({ commit: head, filter: isManifestPath }));
    expect(err.message).toMatch(
      /^apps\/d0\/d0\/d0\/d0\/d0\/\.\.\.: tree 33 directories deep, more than limits\.treeDepth \(32\)/,
    );
    expect(err.data).toEqual({ path: `apps${'/d0'.repeat(32)}`, setting: 'treeDepth', limit: 32, value: 33 });
    // Raised, the same commit reads.
    const deeper = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir, limits: { treeDepth: 40 } });
    expect((await deeper.readTree({ commit: head, paths: ['apps'] })).map((f) => f.path)).toEqual([
      `apps${'/d0'.repeat(39)}/f0.yaml`,
    ]);
  });
});

describe('limits.treeBytes', () => {
  it('bounds every read sharing one budget together, as a cut shares it', async () => {
    const repo = await seedRepo(env, { prefix: 'bytes' });
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
    const { head } = await source.sync();
    const all = await source.readFiles({ commit: head });
    const web = all.filter((f) => f.path.startsWith('apps/web/')).reduce((n, f) => n + f.text.length, 0);
    const capped = await openSource({
      spec: { url: repo.url, branch: 'main' },
      cacheDir,
      limits: { treeBytes: web + 1 },
    });
    // Each read alone fits...
    await capped.readFiles({ commit: head, paths: ['apps/web'] });
    await capped.readFiles({ commit: head, paths: ['apps/web'] });
    // ...two sharing a budget do not.
    const budget = capped.budget();
    await capped.readFiles({ commit: head, paths: ['apps/web'], budget });
    const err = await crossed(capped.readFiles({ commit: head, paths: ['apps/web'], budget }));
    expect(err.message).toMatch(/^apps\/web\/\S+\.yaml: \d+ blob bytes read, more than limits\.treeBytes/);
    expect(err.data).toMatchObject({ setting: 'treeBytes', limit: web + 1 });
  });
});
