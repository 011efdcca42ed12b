/**
 * Read-only questions the daemon and its API ask of the state: what an
 * environment runs whole and since when, and a release with its steps. Built
 * on the journal's own readers; nothing here writes.
 *
 * @example
 *   environmentState(db, { bundle: 'web', clusters: ['c1', 'c2'] }) // { runs: '1.0.1', healthySinceMs: 1767225600000 }
 */
import type { StateDb } from './open.ts';
import { getRelease, lastRelease, releaseSteps, type ReleaseRecord, type ReleaseStep } from './releases.ts';

export interface EnvironmentRunState {
  /** The version every cluster runs whole (each cluster's newest release succeeded on the same digest). */
  runs?: string;
  digest?: string;
  /** When the last of those releases finished, in ms since the epoch. */
  healthySinceMs?: number;
  /** Per cluster: its newest release, if any. */
  clusters: { cluster: string; release?: ReleaseRecord }[];
}

export function environmentState(db: StateDb, { bundle, clusters }: { bundle: string; clusters: readonly string[] }): EnvironmentRunState {
  const rows = clusters.map((c) => ({ cluster: c, release: lastRelease(db, bundle, c) }));
  const ok = rows.filter((r) => r.release?.state === 'succeeded');
  const digests = new Set(ok.map((r) => r.release!.digest));
  const out: EnvironmentRunState = { clusters: rows.map((r) => ({ cluster: r.cluster, ...(r.release ? { release: r.release } : {}) })) };
  if (clusters.length === 0 || ok.length !== clusters.length || digests.size !== 1) return out;
  const finished = ok.map((r) => Date.parse(r.release!.finishedAt ?? r.release!.updatedAt)).filter((t) => !Number.isNaN(t));
  return { ...out, runs: ok[0]!.release!.version, digest: ok[0]!.release!.digest, ...(finished.length ? { healthySinceMs: Math.max(...finished) } : {}) };
}

export function releaseWithSteps(db: StateDb, id: number): (ReleaseRecord & { steps: ReleaseStep[] }) | undefined {
  const r = getRelease(db, id);
  return r && { ...r, steps: releaseSteps(db, id) };
}
