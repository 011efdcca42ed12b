import { describe, expect, it } from 'vitest';
import { openState } from '../state/open.ts';
import { lastReleases, type ReleaseRecord } from '../state/releases.ts';
import { releaseRecord as rel, recordRelease as release } from '../state/testdata/journal.ts';
import { environmentRun } from './environment-run.ts';

const runIn = (db: ReturnType<typeof openState>, clusters: string[]) =>
  environmentRun(lastReleases(db, { bundle: 'web', clusters }));

describe('environmentRun', () => {
  it.each([
    [
      'all clusters succeeded on one version',
      { c1: rel('c1', '1.0.1', 'succeeded'), c2: rel('c2', '1.0.1', 'succeeded') },
      { runs: '1.0.1', digest: 'sha256:1.0.1', notHealthy: [] },
    ],
    [
      'versions disagree',
      { c1: rel('c1', '1.0.1', 'succeeded'), c2: rel('c2', '1.0.0', 'succeeded') },
      { notHealthy: [] },
    ],
    [
      'one cluster rolled back from 1.0.2 to 1.0.1',
      {
        c1: rel('c1', '1.0.1', 'succeeded'),
        c2: { ...rel('c2', '1.0.2', 'rolled-back'), fromVersion: '1.0.1', fromDigest: 'sha256:1.0.1' },
      },
      { runs: '1.0.1', digest: 'sha256:1.0.1', notHealthy: [] },
    ],
    [
      'one cluster rolled back to another version',
      {
        c1: rel('c1', '1.0.1', 'succeeded'),
        c2: { ...rel('c2', '1.0.2', 'rolled-back'), fromVersion: '1.0.0', fromDigest: 'sha256:1.0.0' },
      },
      { notHealthy: [] },
    ],
    [
      'one cluster failed its rollback',
      {
        c1: rel('c1', '1.0.1', 'succeeded'),
        c2: { ...rel('c2', '1.0.2', 'rollback-failed'), fromVersion: '1.0.1', fromDigest: 'sha256:1.0.1' },
      },
      { notHealthy: ['c2'] },
    ],
    [
      'one cluster mid-release',
      { c1: rel('c1', '1.0.1', 'succeeded'), c2: rel('c2', '1.0.2', 'verifying') },
      { notHealthy: ['c2'] },
    ],
    ['one cluster never released', { c1: rel('c1', '1.0.1', 'succeeded') }, { notHealthy: ['c2'] }],
  ])('%s', (_n, last, expected) => {
    const rows = ['c1', 'c2'].map((cluster) => {
      const release = (last as Record<string, ReleaseRecord>)[cluster];
      return release ? { cluster, release } : { cluster };
    });
    const { clusters, healthySinceMs: _h, ...run } = environmentRun(rows);
    expect(run).toEqual(expected);
    expect(clusters).toEqual(rows);
  });
});

describe('environmentRun over the journal', () => {
  it('is the version every cluster runs whole: successes, and versions restored by a rollback', () => {
    const db = openState({ path: ':memory:' });
    expect(runIn(db, ['c1', 'c2']).runs).toBeUndefined();
    release(db, 'c1', '1.0.0', 'succeeded');
    expect(runIn(db, ['c1', 'c2']).runs).toBeUndefined();
    release(db, 'c2', '1.0.0', 'succeeded');
    const both = runIn(db, ['c1', 'c2']);
    expect(both).toMatchObject({ runs: '1.0.0', digest: 'sha256:1.0.0' });
    expect(both.healthySinceMs).toBe(Date.parse(both.clusters[1]!.release!.finishedAt!));
    // 1.0.1 fails on c1 and is rolled back: the environment still runs 1.0.0 whole, healthy since the restore.
    release(db, 'c1', '1.0.1', 'rolled-back', '1.0.0');
    const after = runIn(db, ['c1', 'c2']);
    expect(after.runs).toBe('1.0.0');
    expect(after.healthySinceMs).toBe(Date.parse(after.clusters[0]!.release!.finishedAt!));
    // In flight, or a failed rollback: not one whole version.
    release(db, 'c2', '1.0.1', 'verifying', '1.0.0');
    expect(runIn(db, ['c1', 'c2']).runs).toBeUndefined();
    release(db, 'c2', '1.0.1', 'rollback-failed', '1.0.0');
    expect(runIn(db, ['c1', 'c2']).runs).toBeUndefined();
    // Two clusters on different versions: none.
    release(db, 'c2', '1.0.2', 'succeeded', '1.0.0');
    expect(runIn(db, ['c1', 'c2']).runs).toBeUndefined();
    expect(runIn(db, ['c2']).runs).toBe('1.0.2');
  });
});
