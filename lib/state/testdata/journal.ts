// Releases for tests of what reads the journal: a record as the journal returns it, and a release written
// through the journal's own writers to the state it ends in.
import type { openState } from '../open.ts';
import { beginRelease, recordStep, type ReleaseRecord } from '../releases.ts';

/** A release of web as the journal returns it (no database). */
export const releaseRecord = (cluster: string, version: string, state: ReleaseRecord['state']): ReleaseRecord => ({
  id: 0,
  kind: 'release',
  bundle: 'web',
  cluster,
  environment: 'prod',
  version,
  digest: `sha256:${version}`,
  fromVersion: null,
  fromDigest: null,
  state,
  reason: null,
  failedObject: null,
  startedAt: '',
  updatedAt: '',
  finishedAt: null,
});

/** Writes a release of web to `cluster` through the journal's writers, ending in `outcome`. */
export function recordRelease(
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
