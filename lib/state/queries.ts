/**
 * Read-only questions the daemon and its API ask of the state: what an
 * environment runs whole and since when (after a rollback, the version
 * restored), and a release with its steps. Built
 * on the journal's own readers; nothing here writes.
 *
 * @example
 *   environmentState(db, { bundle: 'web', clusters: ['c1', 'c2'] }) // { runs: '1.0.1', healthySinceMs: 1767225600000 }
 */
import type { StateDb } from './open.ts';
import { getRelease, lastRelease, releaseSteps, type ReleaseRecord, type ReleaseStep } from './releases.ts';

export interface EnvironmentRunState {
  /** The version every cluster runs whole (see `runningOf`), when they all agree on one digest. */
  runs?: string;
  digest?: string;
  /** When the last of those clusters started running it whole (its release or rollback finished), in ms since the epoch. */
  healthySinceMs?: number;
  /** Per cluster: its newest release, if any. */
  clusters: { cluster: string; release?: ReleaseRecord }[];
}

/**
 * What a cluster runs whole according to its newest release: the release's
 * version when it succeeded, the version it restored when it was rolled back
 * (a verified restore), nothing otherwise (in flight, rollback failed, retired, none).
 */
export function runningOf(
  r: ReleaseRecord | undefined,
): { version: string; digest: string; sinceMs: number } | undefined {
  if (!r) return undefined;
  const sinceMs = Date.parse(r.finishedAt ?? r.updatedAt);
  if (r.state === 'succeeded' && r.kind !== 'retire') return { version: r.version, digest: r.digest, sinceMs };
  if (r.state === 'rolled-back' && r.fromVersion && r.fromDigest)
    return { version: r.fromVersion, digest: r.fromDigest, sinceMs };
  return undefined;
}

export function environmentState(
  db: StateDb,
  { bundle, clusters }: { bundle: string; clusters: readonly string[] },
): EnvironmentRunState {
  const rows = clusters.map((c) => ({ cluster: c, release: lastRelease(db, bundle, c) }));
  const out: EnvironmentRunState = {
    clusters: rows.map((r) => ({ cluster: r.cluster, ...(r.release ? { release: r.release } : {}) })),
  };
  const running = rows.map((r) => runningOf(r.release));
  const first = running[0];
  if (!first || running.some((x) => x?.digest !== first.digest)) return out;
  const since = running.map((x) => x!.sinceMs).filter((t) => !Number.isNaN(t));
  return {
    ...out,
    runs: first.version,
    digest: first.digest,
    ...(since.length ? { healthySinceMs: Math.max(...since) } : {}),
  };
}

export function releaseWithSteps(db: StateDb, id: number): (ReleaseRecord & { steps: ReleaseStep[] }) | undefined {
  const r = getRelease(db, id);
  return r && { ...r, steps: releaseSteps(db, id) };
}
