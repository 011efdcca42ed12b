/**
 * What an environment runs: the one rule, read from each of its clusters'
 * newest release in the journal (state/ returns the rows; this judges them).
 * A cluster runs a version whole when its newest release succeeded on it, or
 * was rolled back to it (a verified restore); an environment runs a version
 * when every one of its clusters runs that same digest whole, since the
 * last of them got there. Promotion, rollback, tag following, status and the
 * dashboard all ask here. Pure.
 *
 * @example
 *   const run = environmentRun(lastReleases(db, { bundle: 'web', clusters: ['c2', 'c3'] }));
 *   run.runs          // '1.0.1', when c2 and c3 both run it whole
 *   run.notHealthy    // clusters that run nothing whole (in flight, rollback failed, never released)
 */
import type { ClusterRelease, ReleaseRecord } from '../state/releases.ts';

/** A version as one cluster runs it whole, and since when (ms since the epoch). */
export interface Running {
  version: string;
  digest: string;
  sinceMs: number;
}

export interface EnvironmentRun {
  /** The version every cluster runs whole, when they all agree on one digest. */
  runs?: string;
  digest?: string;
  /** When the last of those clusters started running it whole, in ms since the epoch. */
  healthySinceMs?: number;
  /** Clusters that run nothing whole: in flight, rollback failed, retired, never released. */
  notHealthy: string[];
  /** Per cluster: its newest release, if any. */
  clusters: ClusterRelease[];
}

/**
 * What a cluster runs whole according to its newest release: the release's
 * version when it succeeded, the version it restored when it was rolled back,
 * nothing otherwise (in flight, rollback failed, retired, none).
 */
export function runningOf(r: ReleaseRecord | undefined): Running | undefined {
  if (!r) return undefined;
  const sinceMs = Date.parse(r.finishedAt ?? r.updatedAt);
  if (r.state === 'succeeded' && r.kind !== 'retire') return { version: r.version, digest: r.digest, sinceMs };
  if (r.state === 'rolled-back' && r.fromVersion && r.fromDigest)
    return { version: r.fromVersion, digest: r.fromDigest, sinceMs };
  return undefined;
}

/** What the environment of these clusters runs whole (see the module's doc comment). */
export function environmentRun(clusters: readonly ClusterRelease[]): EnvironmentRun {
  const running = clusters.map((c) => runningOf(c.release));
  const notHealthy = clusters.filter((_, i) => !running[i]).map((c) => c.cluster);
  const base = { notHealthy, clusters: [...clusters] };
  const first = running[0];
  if (!first || running.some((x) => x?.digest !== first.digest)) return base;
  const since = running.map((x) => x!.sinceMs).filter((t) => !Number.isNaN(t));
  return {
    ...base,
    runs: first.version,
    digest: first.digest,
    ...(since.length ? { healthySinceMs: Math.max(...since) } : {}),
  };
}
