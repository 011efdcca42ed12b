import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../fixtures/testenv/use-env.ts';
import { openSource } from './source.ts';
import { pushCommit, seedRepo } from '../../fixtures/testenv/source-repos.ts';

const env = testEnv();
const cacheDir = mkdtempSync(join(tmpdir(), 'drover-source-cache-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('changedPaths', () => {
  it('reports added, modified and deleted files, within the path filter', async () => {
    const repo = await seedRepo(env);
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
    const { head: a } = await source.sync();
    const b = await pushCommit({
      bare: repo.bare,
      message: 'web: new secret, api gone\n\nBody text.',
      edit: (w) => {
        writeFileSync(join(w, 'apps/web/configmap.yaml'), 'kind: ConfigMap\n');
        mkdirSync(join(w, 'apps/web/extra'));
        writeFileSync(join(w, 'apps/web/extra/secret.yaml'), 'kind: Secret\n');
        unlinkSync(join(w, 'apps/api/service.json'));
        writeFileSync(join(w, 'README.md'), '# changed\n');
      },
    });
    const { head } = await source.sync();
    expect(head).toBe(b);

    const set = await source.changedPaths({ from: a, to: b });
    expect(set).toEqual({
      from: a,
      to: b,
      forcePush: false,
      changes: [
        { path: 'README.md', change: 'modified' },
        { path: 'apps/api/service.json', change: 'deleted' },
        { path: 'apps/web/configmap.yaml', change: 'modified' },
        { path: 'apps/web/extra/secret.yaml', change: 'added' },
      ],
    });
    expect((await source.changedPaths({ from: a, to: b, paths: ['apps/web'] })).changes.map((c) => c.path)).toEqual([
      'apps/web/configmap.yaml',
      'apps/web/extra/secret.yaml',
    ]);
    expect((await source.changedPaths({ from: b, to: a })).changes.map((c) => c.change)).toEqual([
      'modified',
      'added',
      'modified',
      'deleted',
    ]);
    expect((await source.changedPaths({ from: a, to: a })).changes).toEqual([]);

    expect(await source.isAncestor({ ancestor: a, oid: b })).toBe(true);
    expect(await source.isAncestor({ ancestor: b, oid: a })).toBe(false);
    expect(await source.readCommit({ oid: b })).toMatchObject({
      message: 'web: new secret, api gone\n\nBody text.',
      parents: [a],
    });
  });

  it('flags a force push: from is not an ancestor of to', async () => {
    const repo = await seedRepo(env);
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
    await source.sync();
    const b = await pushCommit({
      bare: repo.bare,
      edit: (w) => writeFileSync(join(w, 'b.yaml'), 'b: 1\n'),
      message: 'b',
    });
    await source.sync();
    const c = await pushCommit({
      bare: repo.bare,
      edit: (w) => {
        unlinkSync(join(w, 'b.yaml'));
        writeFileSync(join(w, 'c.yaml'), 'c: 1\n');
      },
      message: 'c (rewritten)',
      force: true,
    });
    const { head, previous } = await source.sync();
    expect([previous, head]).toEqual([b, c]);
    const set = await source.changedPaths({ from: b, to: c });
    expect(set.forcePush).toBe(true);
    expect(set.changes).toEqual([
      { path: 'b.yaml', change: 'deleted' },
      { path: 'c.yaml', change: 'added' },
    ]);
  });

  it('names a commit it does not have', async () => {
    const repo = await seedRepo(env);
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
    const { head } = await source.sync();
    const missing = '0123456789abcdef0123456789abcdef01234567';
    await expect(source.changedPaths({ from: missing, to: head })).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      message: `commit ${missing} is not in the repository`,
    });
    await expect(source.readCommit({ oid: 'HEAD' })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
  });
});
