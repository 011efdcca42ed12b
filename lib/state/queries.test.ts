import { describe, expect, it } from 'vitest';
import { openState } from './open.ts';
import { environmentState, releaseWithSteps } from './queries.ts';
import { beginRelease, recordStep } from './releases.ts';

function release(
  db: ReturnType<typeof openState>,
  cluster: string,
  version: string,
  outcome: 'succeeded' | 'rolled-back' | 'rollback-failed' | 'verifying',
  from?: string,
) {
  const r = beginRelease(db, {
    bundle: 'web',
    cluster,
    version,
    digest: `sha256:${version}`,
    ...(from ? { fromVersion: from, fromDigest: `sha256:${from}` } : {}),
  });
  recordStep(db, r.id, { state: 'applying', message: 'applying' });
  if (outcome === 'verifying') return recordStep(db, r.id, { state: 'verifying', message: 'verifying' });
  if (outcome === 'succeeded') return recordStep(db, r.id, { state: 'succeeded', message: 'ok' });
  recordStep(db, r.id, { state: 'failed', message: 'crash loop', reason: 'CrashLoopBackOff' });
  recordStep(db, r.id, { state: 'rolling-back', message: 'restoring' });
  recordStep(db, r.id, { state: outcome, message: outcome });
}

describe('environmentState', () => {
  it('is the version every cluster runs whole: successes, and versions restored by a rollback', () => {
    const db = openState({ path: ':memory:' });
    expect(environmentState(db, { bundle: 'web', clusters: ['c1', 'c2'] }).runs).toBeUndefined();
    release(db, 'c1', '1.0.0', 'succeeded');
    expect(environmentState(db, { bundle: 'web', clusters: ['c1', 'c2'] }).runs).toBeUndefined();
    release(db, 'c2', '1.0.0', 'succeeded');
    const both = environmentState(db, { bundle: 'web', clusters: ['c1', 'c2'] });
    expect(both).toMatchObject({ runs: '1.0.0', digest: 'sha256:1.0.0' });
    expect(both.healthySinceMs).toBe(Date.parse(both.clusters[1]!.release!.finishedAt!));
    // 1.0.1 fails on c1 and is rolled back: the environment still runs 1.0.0 whole, healthy since the restore.
    release(db, 'c1', '1.0.1', 'rolled-back', '1.0.0');
    const after = environmentState(db, { bundle: 'web', clusters: ['c1', 'c2'] });
    expect(after.runs).toBe('1.0.0');
    expect(after.healthySinceMs).toBe(Date.parse(after.clusters[0]!.release!.finishedAt!));
    // In flight, or a failed rollback: not one whole version.
    release(db, 'c2', '1.0.1', 'verifying', '1.0.0');
    expect(environmentState(db, { bundle: 'web', clusters: ['c1', 'c2'] }).runs).toBeUndefined();
    release(db, 'c2', '1.0.1', 'rollback-failed', '1.0.0');
    expect(environmentState(db, { bundle: 'web', clusters: ['c1', 'c2'] }).runs).toBeUndefined();
    // Two clusters on different versions: none.
    release(db, 'c2', '1.0.2', 'succeeded', '1.0.0');
    expect(environmentState(db, { bundle: 'web', clusters: ['c1', 'c2'] }).runs).toBeUndefined();
    expect(environmentState(db, { bundle: 'web', clusters: ['c2'] }).runs).toBe('1.0.2');
  });

  it('reads a release with its steps', () => {
    const db = openState({ path: ':memory:' });
    release(db, 'c1', '1.0.0', 'succeeded');
    expect(releaseWithSteps(db, 1)?.steps.map((s) => s.state)).toEqual(['planned', 'applying', 'succeeded']);
    expect(releaseWithSteps(db, 2)).toBeUndefined();
  });
});
