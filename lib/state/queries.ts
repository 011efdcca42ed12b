/**
 * Read-only questions the daemon and its API ask of the state: a release
 * with its steps. Built on the journal's own readers; nothing here writes.
 * (What an environment runs is judged in release/environment-run.ts from
 * the rows `lastReleases` returns.)
 *
 * @example
 *   releaseWithSteps(db, 42) // { id: 42, bundle: 'web', ..., steps: [{ seq: 1, state: 'applying', ... }] }
 */
import type { StateDb } from './open.ts';
import { getRelease, releaseSteps, type ReleaseRecord, type ReleaseStep } from './releases.ts';

export function releaseWithSteps(db: StateDb, id: number): (ReleaseRecord & { steps: ReleaseStep[] }) | undefined {
  const r = getRelease(db, id);
  return r && { ...r, steps: releaseSteps(db, id) };
}
