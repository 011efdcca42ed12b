import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makePrivateDir, makePrivateFile } from './private-files.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'drover-private-'));
  dirs.push(d);
  return d;
}
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('makePrivateDir', () => {
  it('makes every missing folder 0700 and says which was the first', () => {
    const root = tempDir();
    chmodSync(root, 0o755);
    expect(makePrivateDir({ path: join(root, 'a', 'b') })).toBe(join(root, 'a'));
    expect([mode(root), mode(join(root, 'a')), mode(join(root, 'a', 'b'))]).toEqual(['755', '700', '700']);
  });

  it('leaves a folder that exists as it is', () => {
    const root = tempDir();
    mkdirSync(join(root, 'theirs'));
    chmodSync(join(root, 'theirs'), 0o775);
    expect(makePrivateDir({ path: join(root, 'theirs') })).toBeUndefined();
    expect(mode(join(root, 'theirs'))).toBe('775');
  });
});

describe('makePrivateFile', () => {
  it('creates a missing file 0600, empty', () => {
    const f = join(tempDir(), 'state.db');
    expect(makePrivateFile({ path: f })).toBe(true);
    expect([mode(f), statSync(f).size]).toEqual(['600', 0]);
  });

  it('tightens a file of ours to 0600 keeping its bytes, and never widens one', () => {
    const root = tempDir();
    const loose = join(root, 'loose');
    writeFileSync(loose, 'kept');
    chmodSync(loose, 0o664);
    makePrivateFile({ path: loose });
    expect(mode(loose)).toBe('600');
    expect(statSync(loose).size).toBe(4);
    const readOnly = join(root, 'ro');
    writeFileSync(readOnly, '');
    chmodSync(readOnly, 0o444);
    makePrivateFile({ path: readOnly, create: false });
    expect(mode(readOnly)).toBe('400');
  });

  it('with create: false, makes nothing where there is nothing', () => {
    const f = join(tempDir(), 'state.db-wal');
    expect(makePrivateFile({ path: f, create: false })).toBe(false);
    expect(statSync(f, { throwIfNoEntry: false })).toBeUndefined();
  });
});
