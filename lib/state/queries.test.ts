import { describe, expect, it } from 'vitest';
import { openState } from './open.ts';
import { releaseWithSteps } from './queries.ts';
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

describe('releaseWithSteps', () => {
  it('reads a release with its steps', () => {
    const db = openState({ path: ':memory:' });
    release(db, 'c1', '1.0.0', 'succeeded');
    expect(releaseWithSteps(db, 1)?.steps.map((s) => s.state)).toEqual(['planned', 'applying', 'succeeded']);
    expect(releaseWithSteps(db, 2)).toBeUndefined();
  });
});
