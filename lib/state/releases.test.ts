import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors/errors.ts';
import { acquireLease, activeLeases, releaseLease, renewLease } from './leases.ts';
import { openState } from './open.ts';
import { beginRelease, getRelease, lastSucceeded, recordStep, releaseSteps, unfinishedReleases } from './releases.ts';

describe('release journal', () => {
  it('walks the state machine, appending a step per state, and finishes on a final state', () => {
    const db = openState({ path: ':memory:' });
    const r = beginRelease(db, {
      bundle: 'web',
      cluster: 'c1',
      version: '1.0.1',
      digest: 'sha256:b',
      fromVersion: '1.0.0',
      fromDigest: 'sha256:a',
    });
    expect(r.state).toBe('planned');
    expect(unfinishedReleases(db).map((x) => x.id)).toEqual([r.id]);
    recordStep(db, r.id, { state: 'applying', message: 'applying 3 objects' });
    recordStep(db, r.id, {
      state: 'failed',
      message: 'Deployment/web/api failed',
      reason: 'ProgressDeadlineExceeded',
      failedObject: 'Deployment/web/api',
    });
    recordStep(db, r.id, { state: 'rolling-back', message: 'restoring 1.0.0' });
    recordStep(db, r.id, { state: 'rolled-back', message: 'restored 1.0.0', data: { restored: 3 } });
    const done = getRelease(db, r.id)!;
    expect(done).toMatchObject({
      state: 'rolled-back',
      reason: 'ProgressDeadlineExceeded',
      failedObject: 'Deployment/web/api',
    });
    expect(done.finishedAt).not.toBeNull();
    expect(releaseSteps(db, r.id).map((s) => s.state)).toEqual([
      'planned',
      'applying',
      'failed',
      'rolling-back',
      'rolled-back',
    ]);
    expect(releaseSteps(db, r.id).at(-1)?.data).toEqual({ restored: 3 });
    expect(unfinishedReleases(db)).toEqual([]);
    expect(lastSucceeded(db, 'web', 'c1')).toBeUndefined();
  });
});

describe('leases', () => {
  it('are exclusive until they expire, renewable by the holder, and free after release', () => {
    const db = openState({ path: ':memory:' });
    const a = acquireLease(db, { bundle: 'web', cluster: 'c1', holder: 'a', ttlMs: 1000, now: 0 });
    expect(() => acquireLease(db, { bundle: 'web', cluster: 'c1', holder: 'b', ttlMs: 1000, now: 500 })).toThrow(
      ConflictError,
    );
    // Another bundle or cluster is independent.
    acquireLease(db, { bundle: 'web', cluster: 'c2', holder: 'b', ttlMs: 10_000, now: 500 });
    renewLease(db, a, 1000, 900);
    expect(() => acquireLease(db, { bundle: 'web', cluster: 'c1', holder: 'b', ttlMs: 1000, now: 1500 })).toThrow(
      ConflictError,
    );
    // A crashed holder never renews: the lease expires and b takes over.
    const b = acquireLease(db, { bundle: 'web', cluster: 'c1', holder: 'b', ttlMs: 1000, now: 2000 });
    expect(() => renewLease(db, a, 1000, 2100)).toThrow(/lost the lease/);
    releaseLease(db, b);
    expect(activeLeases(db, 2100).map((l) => l.cluster)).toEqual(['c2']);
  });
});
