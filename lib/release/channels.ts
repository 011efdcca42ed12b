/**
 * Channel tags: each environment has a tag in the bundle's repository (`dev`,
 * `staging`, `prod`...) pointing at the digest it runs. Promotion and rollback
 * move channel tags; version tags never move. Pure helpers to choose what to
 * promote or roll back to live here; moving the tag is the store's `tag`.
 */
import { NotFoundError } from '../errors/errors.ts';
import type { ReleaseRecord } from '../state/releases.ts';

export interface EnvironmentRun {
  /** Version every cluster of the environment runs whole (its last release succeeded), or undefined. */
  version?: string;
  digest?: string;
  /** Clusters whose last release is not a success of that version. */
  notHealthy: string[];
}

/**
 * What an environment runs, from the newest release per cluster: a version
 * counts only if every cluster's newest release is a success of it.
 */
export function environmentRun(clusters: string[], lastReleaseOf: (cluster: string) => ReleaseRecord | undefined): EnvironmentRun {
  const last = clusters.map((c) => ({ c, r: lastReleaseOf(c) }));
  const ok = last.filter((x) => x.r?.state === 'succeeded');
  const digests = new Set(ok.map((x) => x.r!.digest));
  if (ok.length === clusters.length && digests.size === 1) return { version: ok[0]!.r!.version, digest: ok[0]!.r!.digest, notHealthy: [] };
  // A rolled-back release leaves its cluster on the release's from-version; fall back to agreement on that.
  return { notHealthy: last.filter((x) => x.r?.state !== 'succeeded').map((x) => x.c) };
}

/**
 * The version to roll an environment back to when none is named: the newest
 * version older than the current one that succeeded in that environment.
 * `succeeded` are the environment's succeeded releases, newest first.
 */
export function previousGoodVersion(current: string | undefined, succeeded: ReleaseRecord[], newer: (a: string, b: string) => boolean): { version: string; digest: string } {
  const seen = new Set<string>();
  for (const r of succeeded) {
    if (seen.has(r.version)) continue;
    seen.add(r.version);
    if (current === undefined || newer(current, r.version)) return { version: r.version, digest: r.digest };
  }
  throw new NotFoundError(`no earlier version has succeeded here${current ? ` before ${current}` : ''}; name one with --to`, { data: { current } });
}
