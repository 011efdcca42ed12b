import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../fixtures/testenv/use-env.ts';
import { isManifestPath } from '../bundle/path-filter.ts';
import { openSource } from './source.ts';
import { pushCommit, seedRepo } from '../../fixtures/testenv/source-repos.ts';

const env = testEnv();
const cacheDir = mkdtempSync(join(tmpdir(), 'drover-source-cache-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

async function withLinks(links: Record<string, string>) {
  const repo = await seedRepo(env);
  const head = await pushCommit({
    bare: repo.bare,
    message: 'links',
    edit: (w) => {
      for (const [path, target] of Object.entries(links)) symlinkSync(target, join(w, path));
    },
  });
  const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
  expect((await source.sync()).head).toBe(head);
  return { source, head };
}

describe('symlinks', () => {
  it('a link inside the repository resolves to its target file', async () => {
    const { source, head } = await withLinks({
      'apps/web/cm-link.yaml': 'configmap.yaml',
      'apps/api/cm.yaml': '../web/configmap.yaml',
      'chain.yaml': 'apps/api/cm.yaml',
    });
    const tree = await source.readTree({ commit: head });
    expect(tree.find((f) => f.path === 'chain.yaml')?.mode).toBe('120000');
    const files = await source.readFiles({ commit: head, filter: isManifestPath });
    const byPath = new Map(files.map((f) => [f.path, f]));
    const cm = byPath.get('apps/web/configmap.yaml')!;
    expect(byPath.get('apps/web/cm-link.yaml')).toEqual({
      path: 'apps/web/cm-link.yaml',
      oid: cm.oid,
      text: cm.text,
      linkTarget: 'apps/web/configmap.yaml',
    });
    expect(byPath.get('apps/api/cm.yaml')?.linkTarget).toBe('apps/web/configmap.yaml');
    expect(byPath.get('chain.yaml')?.text).toBe(cm.text);
  });

  it.each([
    [
      'apps/web/escape.yaml',
      '../../../outside.yaml',
      /^apps\/web\/escape\.yaml: symlink points outside the repository/,
    ],
    [
      'passwd.yaml',
      '/etc/passwd',
      /^passwd\.yaml: symlink points at an absolute path \(\/etc\/passwd\), outside the repository$/,
    ],
    ['dir.yaml', 'apps', /^dir\.yaml: symlink points at directory apps/],
    ['dangling.yaml', 'nope.yaml', /^dangling\.yaml: symlink points at nope\.yaml, which does not exist/],
  ])('%s -> %s is an error naming the file', async (path, target, message) => {
    const { source, head } = await withLinks({ [path]: target });
    await expect(source.readFiles({ commit: head, filter: isManifestPath })).rejects.toMatchObject({
      code: 'E_INVALID_INPUT',
      data: { file: path },
      message: expect.stringMatching(message),
    });
    // Not selected, not read: the rest of the commit stays readable.
    expect(await source.readFiles({ commit: head, filter: (p) => isManifestPath(p) && p !== path })).toHaveLength(3);
  });

  it('a file that is not UTF-8 is named', async () => {
    const repo = await seedRepo(env);
    const head = await pushCommit({
      bare: repo.bare,
      edit: (w) => writeFileSync(join(w, 'bin.yaml'), Buffer.from([0xff, 0xfe, 0x00])),
    });
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
    await source.sync();
    await expect(source.readFiles({ commit: head })).rejects.toThrow('bin.yaml: not UTF-8 text');
  });
});
