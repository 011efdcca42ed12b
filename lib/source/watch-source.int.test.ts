import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git } from '../../fixtures/testenv/git-server.ts';
import { testEnv } from '../../fixtures/testenv/use-env.ts';
import { openSource } from './source.ts';
import { pushCommit, seedRepo, BASIC_FIXTURE } from '../../fixtures/testenv/source-repos.ts';
import { type HeadChange, watchSource } from './watch-source.ts';

const env = testEnv();
const dir = mkdtempSync(join(tmpdir(), 'drover-source-watch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function collector() {
  const changes: HeadChange[] = [];
  const waiters: (() => void)[] = [];
  return {
    changes,
    onChange: (c: HeadChange) => {
      changes.push(c);
      waiters.splice(0).forEach((w) => w());
    },
    async next(count: number, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (changes.length < count) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for change ${count}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
  };
}

describe('watchSource', () => {
  it('polls a remote source on a cron schedule and fires when the head moves', async () => {
    const repo = await seedRepo(env);
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir: join(dir, 'cache') });
    const ctl = new AbortController();
    const c = collector();
    const watcher = await watchSource({ source, schedule: '*/1 * * * * *', onChange: c.onChange, signal: ctl.signal });
    const first = watcher.head;
    expect(first).toMatch(/^[0-9a-f]{40}$/);
    expect(c.changes).toEqual([]); // the first head is the baseline
    const next = await pushCommit({ bare: repo.bare, edit: (w) => writeFileSync(join(w, 'x.yaml'), 'x: 1\n') });
    await c.next(1);
    expect(c.changes).toEqual([{ from: first, to: next, trigger: 'schedule' }]);
    ctl.abort();
    await watcher.closed;
    await pushCommit({ bare: repo.bare, edit: (w) => writeFileSync(join(w, 'y.yaml'), 'y: 1\n') });
    await new Promise((r) => setTimeout(r, 1500));
    expect(c.changes).toHaveLength(1); // stopped
  });

  it('fires at start when the head differs from `since`, and on demand', async () => {
    const repo = await seedRepo(env);
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir: join(dir, 'cache') });
    const ctl = new AbortController();
    const c = collector();
    const since = '0000000000000000000000000000000000000001';
    const watcher = await watchSource({ source, since, onChange: c.onChange, signal: ctl.signal });
    expect(c.changes).toEqual([{ from: since, to: watcher.head, trigger: 'initial' }]);
    const next = await pushCommit({ bare: repo.bare, edit: (w) => writeFileSync(join(w, 'x.yaml'), 'x: 1\n') });
    await watcher.check();
    expect(c.changes[1]).toEqual({ from: c.changes[0]?.to, to: next, trigger: 'demand' });
    await watcher.check();
    expect(c.changes).toHaveLength(2);
    ctl.abort();
    await watcher.closed;
  });

  it('watches a local repository with chokidar and fires on commit, debounced', async () => {
    const path = join(dir, 'local');
    cpSync(BASIC_FIXTURE, path, { recursive: true });
    await git(path, ['init', '--quiet', '--initial-branch=main']);
    await git(path, ['add', '-A']);
    await git(path, ['commit', '--quiet', '-m', 'initial']);
    const source = await openSource({ spec: { url: path, branch: 'main' } });
    const ctl = new AbortController();
    const c = collector();
    const errors: unknown[] = [];
    const watcher = await watchSource({
      source,
      debounceMs: 100,
      onChange: c.onChange,
      onError: (e) => errors.push(e),
      signal: ctl.signal,
    });
    const first = watcher.head;
    writeFileSync(join(path, 'apps/web/configmap.yaml'), 'edited: true\n');
    await new Promise((r) => setTimeout(r, 400));
    expect(c.changes).toEqual([]); // an uncommitted edit is not a change
    await git(path, ['commit', '--quiet', '-am', 'edit']);
    const second = (await git(path, ['rev-parse', 'HEAD'])).trim();
    await c.next(1);
    expect(c.changes).toEqual([{ from: first, to: second, trigger: 'fs' }]);
    await git(path, ['gc', '--quiet']); // packs refs: files change, the head does not
    await new Promise((r) => setTimeout(r, 400));
    expect(c.changes).toHaveLength(1);
    ctl.abort();
    await watcher.closed;
    expect(errors).toEqual([]);
  });
});
