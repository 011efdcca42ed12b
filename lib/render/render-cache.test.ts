// The render cache on real files: an entry is used only when its bytes match
// the digest it records (one corrupted on disk is rendered again, never
// used), the folder stays under its size by evicting the least recently
// used, and what it writes is private (folder 0700, entries 0600).
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DroverEvent } from '../progress.ts';
import { openRenderCache } from './render-cache.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'drover-render-cache-'));
  dirs.push(d);
  return d;
}

const mode = (p: string) => statSync(p).mode & 0o777;

/** A renderer that counts its runs and answers `text`. */
function renderer(text: string) {
  const r = { runs: 0, render: async () => (r.runs++, text) };
  return r;
}

describe('render cache', () => {
  it('renders once, then answers from disk in a later cut', async () => {
    const dir = join(tempDir(), 'render-cache');
    const r = renderer('kind: ConfigMap\n');
    expect(await openRenderCache({ dir }).get('k1', r.render)).toEqual({ text: 'kind: ConfigMap\n', cached: false });
    expect(await openRenderCache({ dir }).get('k1', r.render)).toEqual({ text: 'kind: ConfigMap\n', cached: true });
    expect(r.runs).toBe(1);
  });

  it('runs one render for a key asked for twice at once', async () => {
    const cache = openRenderCache({ dir: join(tempDir(), 'rc') });
    const r = renderer('a: 1\n');
    const both = await Promise.all([cache.get('k', r.render), cache.get('k', r.render)]);
    expect(both.map((b) => b.text)).toEqual(['a: 1\n', 'a: 1\n']);
    expect(r.runs).toBe(1);
  });

  it.each([
    ['a byte of the output changed', (b: string) => b.replace('replicas: 3', 'replicas: 9')],
    ['the output cut short', (b: string) => b.slice(0, -5)],
    ['the recorded digest changed', (b: string) => b.replace(/sha256:[0-9a-f]/, 'sha256:x')],
    ['no header (an entry from before digests)', (b: string) => b.slice(b.indexOf('\n') + 1)],
    ['an empty file', () => ''],
  ])('discards an entry whose bytes do not match its digest (%s) and renders again', async (_what, corrupt) => {
    const dir = join(tempDir(), 'rc');
    const good = 'kind: Deployment\nspec:\n  replicas: 3\n';
    await openRenderCache({ dir }).get('web', renderer(good).render);
    const file = join(dir, 'web.yaml');
    writeFileSync(file, corrupt(readFileSync(file, 'utf8')));
    const events: DroverEvent[] = [];
    const again = renderer(good);
    expect(await openRenderCache({ dir, onEvent: (e) => events.push(e) }).get('web', again.render)).toEqual({
      text: good,
      cached: false,
    });
    expect(again.runs).toBe(1);
    expect(events).toMatchObject([
      { level: 'warn', message: expect.stringMatching(/does not match its recorded digest/) },
    ]);
    // Written back whole: the next cut uses it.
    const third = renderer('never used');
    expect(await openRenderCache({ dir }).get('web', third.render)).toEqual({ text: good, cached: true });
    expect(third.runs).toBe(0);
  });

  it('makes its folder 0700 and every entry 0600, and leaves a folder that was there as it was', async () => {
    const root = tempDir();
    chmodSync(root, 0o755);
    const dir = join(root, 'state', 'render-cache');
    await openRenderCache({ dir }).get('a', renderer('a: 1\n').render);
    await openRenderCache({ dir }).get('b', renderer('b: 1\n').render);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(root, 'state'))).toBe(0o700);
    expect(readdirSync(dir).map((f) => [f, mode(join(dir, f))])).toEqual([
      ['a.yaml', 0o600],
      ['b.yaml', 0o600],
    ]);
    const theirs = join(root, 'theirs');
    mkdirSync(theirs);
    chmodSync(theirs, 0o755);
    await openRenderCache({ dir: theirs }).get('c', renderer('c: 1\n').render);
    expect(mode(theirs)).toBe(0o755);
    expect(mode(join(theirs, 'c.yaml'))).toBe(0o600);
  });

  it('evicts the least recently used entries past maxBytes, a hit counting as a use', async () => {
    const dir = join(tempDir(), 'rc');
    const body = (c: string) => `${c.repeat(100)}\n`;
    const entryBytes = readEntrySize(dir, body);
    const maxBytes = 2 * (await entryBytes) + 10; // room for two entries, not three
    await openRenderCache({ dir, maxBytes }).get('a', renderer(body('a')).render);
    await openRenderCache({ dir, maxBytes }).get('b', renderer(body('b')).render);
    // a was written first and b after, but a is read last: b is the least recently used.
    utimesSync(join(dir, 'a.yaml'), new Date('2020-01-01'), new Date('2020-01-01'));
    utimesSync(join(dir, 'b.yaml'), new Date('2021-01-01'), new Date('2021-01-01'));
    expect((await openRenderCache({ dir, maxBytes }).get('a', renderer('x').render)).cached).toBe(true);
    await openRenderCache({ dir, maxBytes }).get('c', renderer(body('c')).render);
    expect(readdirSync(dir).sort()).toEqual(['a.yaml', 'c.yaml']);
  });

  it('returns an output larger than the whole cache without keeping it', async () => {
    const dir = join(tempDir(), 'rc');
    const cache = openRenderCache({ dir, maxBytes: 64 });
    expect(await cache.get('big', renderer('x'.repeat(100)).render)).toEqual({ text: 'x'.repeat(100), cached: false });
    const again = renderer('x'.repeat(100));
    expect((await openRenderCache({ dir, maxBytes: 64 }).get('big', again.render)).cached).toBe(false);
    expect(again.runs).toBe(1);
  });

  it('refuses a key that is not a file name', async () => {
    await expect(openRenderCache({ dir: tempDir() }).get('../x', renderer('').render)).rejects.toThrow(
      /not a file name/,
    );
  });
});

/** The size on disk of one entry of `body('z')`, measured in a scratch folder beside `dir`. */
async function readEntrySize(dir: string, body: (c: string) => string): Promise<number> {
  const scratch = `${dir}-size`;
  await openRenderCache({ dir: scratch }).get('z', renderer(body('z')).render);
  const size = statSync(join(scratch, 'z.yaml')).size;
  rmSync(scratch, { recursive: true });
  return size;
}
