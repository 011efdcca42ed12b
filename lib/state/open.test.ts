// The state's files on disk are private: the folder Drover makes is 0700, a
// folder that was there keeps its mode, and the database with the -wal and
// -shm files SQLite makes beside it are 0600, looser ones from before
// tightened. Real SQLite, real files.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openState } from './open.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'drover-state-open-'));
  dirs.push(d);
  return d;
}

const mode = (p: string) => statSync(p).mode & 0o777;

/** Opens the state, writes one row so the WAL and its index exist, and returns the modes while it is open. */
function openAndWrite(path: string): Record<string, number> {
  const db = openState({ path });
  try {
    db.exec('CREATE TABLE IF NOT EXISTS t (x INTEGER)');
    db.prepare('INSERT INTO t VALUES (1)').run();
    return { db: mode(path), wal: mode(`${path}-wal`), shm: mode(`${path}-shm`) };
  } finally {
    db.close();
  }
}

describe('openState on disk', () => {
  it('makes its missing folders 0700 and the database, -wal and -shm 0600', () => {
    const root = tempDir();
    chmodSync(root, 0o755);
    const path = join(root, 'project', '.drover', 'state.db');
    expect(openAndWrite(path)).toEqual({ db: 0o600, wal: 0o600, shm: 0o600 });
    expect(mode(join(root, 'project', '.drover'))).toBe(0o700);
    expect(mode(join(root, 'project'))).toBe(0o700);
    expect(mode(root)).toBe(0o755);
  });

  it('leaves the mode of a folder that was there, whatever it is, and keeps its own files 0600 inside', () => {
    const root = tempDir();
    const shared = join(root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o755);
    expect(openAndWrite(join(shared, 'state.db'))).toEqual({ db: 0o600, wal: 0o600, shm: 0o600 });
    expect(mode(shared)).toBe(0o755);
  });

  it('tightens a database and its -wal left world-readable by an older Drover, keeping what it holds', () => {
    const root = tempDir();
    const path = join(root, 'state.db');
    openAndWrite(path);
    chmodSync(path, 0o644);
    writeFileSync(`${path}-wal`, '');
    chmodSync(`${path}-wal`, 0o664);
    expect(openAndWrite(path)).toEqual({ db: 0o600, wal: 0o600, shm: 0o600 });
    const db = openState({ path });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2 });
    } finally {
      db.close();
    }
  });

  it('reports a folder it cannot make as UnavailableError naming the path', () => {
    const root = tempDir();
    writeFileSync(join(root, 'file'), '');
    expect(() => openState({ path: join(root, 'file', 'state.db') })).toThrow(/cannot open state database .*state\.db/);
  });
});
