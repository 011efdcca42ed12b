import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../errors/errors.ts';
import { openState } from './open.ts';
import {
  getVersion,
  lastCutCommit,
  latestVersion,
  listBundles,
  listVersions,
  recordCut,
  type VersionRecord,
} from './versions.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'drover-state-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

const source = { name: 'apps', url: 'http://git.example/apps.git', branch: 'main', commit: 'c1' };
const v = (version: string, digest: string, parent: string | null = null): VersionRecord => ({
  bundle: 'web',
  version,
  digest,
  commit: 'c1',
  parent,
  createdAt: '2026-01-01T00:00:00.000Z',
  config: {
    name: 'web',
    version,
    members: [],
    provenance: {
      source: 'http://git.example/apps.git',
      commit: 'c1',
      changedPaths: [],
      author: 'A <a@x>',
      commitTime: '2026-01-01T00:00:00Z',
      parent,
    },
  },
});
const repositoryOf = (b: string) => `drover/${b}`;

describe('state: versions', () => {
  it('migrates a new file with WAL and survives reopening', () => {
    const path = tempDb();
    const db = openState({ path });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    recordCut(db, { source, versions: [v('1.0.0', 'sha256:a')], repositoryOf });
    db.close();
    const again = openState({ path });
    expect(getVersion(again, 'web', '1.0.0')?.digest).toBe('sha256:a');
    expect(lastCutCommit(again, 'apps')).toBe('c1');
    again.close();
  });

  it('lists versions by semver, not by text', () => {
    const db = openState({ path: tempDb() });
    recordCut(db, {
      source,
      versions: [v('1.0.9', 'sha256:a'), v('1.0.10', 'sha256:b'), v('1.2.0', 'sha256:c'), v('0.9.0', 'sha256:d')],
      repositoryOf,
    });
    expect(listVersions(db, 'web').map((r) => r.version)).toEqual(['1.2.0', '1.0.10', '1.0.9', '0.9.0']);
    expect(latestVersion(db, 'web')?.version).toBe('1.2.0');
    expect(listBundles(db)).toEqual([{ name: 'web', source: 'apps', repository: 'drover/web', left: null }]);
  });

  it("records a bundle's source as the one it was last cut from, keeping its repository", () => {
    const db = openState({ path: tempDb() });
    recordCut(db, { source, versions: [v('1.0.0', 'sha256:a')], repositoryOf });
    recordCut(db, {
      source: { ...source, name: 'apps-renamed', commit: 'c2' },
      versions: [v('1.0.1', 'sha256:b', '1.0.0')],
      repositoryOf: () => 'elsewhere',
    });
    expect(listBundles(db)).toEqual([{ name: 'web', source: 'apps-renamed', repository: 'drover/web', left: null }]);
    expect(listVersions(db, 'web').map((r) => r.version)).toEqual(['1.0.1', '1.0.0']);
  });

  it('treats versions as immutable and records a cut all or nothing', () => {
    const db = openState({ path: tempDb() });
    recordCut(db, { source, versions: [v('1.0.0', 'sha256:a')], repositoryOf });
    recordCut(db, { source, versions: [v('1.0.0', 'sha256:a')], repositoryOf }); // same digest: no-op
    const next = { ...source, commit: 'c2' };
    expect(() =>
      recordCut(db, { source: next, versions: [v('1.0.1', 'sha256:b'), v('1.0.0', 'sha256:other')], repositoryOf }),
    ).toThrow(ConflictError);
    // Nothing of the failed cut landed: neither 1.0.1 nor the commit mark.
    expect(listVersions(db, 'web').map((r) => r.version)).toEqual(['1.0.0']);
    expect(lastCutCommit(db, 'apps')).toBe('c1');
  });

  it('refuses a database from a newer Drover', () => {
    const path = tempDb();
    openState({ path }).close();
    expect(() => openState({ path, migrations: [] })).toThrow(/newer than this Drover knows/);
  });
});
