/**
 * Channel tags: each environment has a tag in the bundle's repository (`dev`,
 * `staging`, `prod`...) pointing at the digest it runs. Promotion and rollback
 * move channel tags; version tags never move. Pure helpers to choose what to
 * promote or roll back to live here; moving the tag is the store's `tag`.
 */
import { NotFoundError } from '../errors/errors.ts';
import type { ReleaseRecord } from '../state/releases.ts';
import { runningOf } from './environment-run.ts';

/**
 * The version to roll an environment back to when none is named: the newest
 * version older than the current one that succeeded in that environment.
 * `succeeded` are the environment's succeeded releases, newest first.
 */
export function previousGoodVersion(
  current: string | undefined,
  succeeded: ReleaseRecord[],
  newer: (a: string, b: string) => boolean,
): { version: string; digest: string } {
  const seen = new Set<string>();
  for (const r of succeeded) {
    if (seen.has(r.version)) continue;
    seen.add(r.version);
    if (current === undefined || newer(current, r.version)) return { version: r.version, digest: r.digest };
  }
  throw new NotFoundError(
    `no earlier version has succeeded here${current ? ` before ${current}` : ''}; name one with --to`,
    { data: { current } },
  );
}

/**
 * How an environment stands against its channel tag (the tag is its desired
 * state, whoever moved it):
 *
 * - `no-tag`: nothing was ever released there by tag;
 * - `in-sync`: every cluster runs the digest the tag names, whole;
 * - `in-flight`: some cluster has a release running; judge when it ends;
 * - `retired`: the clusters that differ were retired on purpose;
 * - `known`: the tag names what Drover last put or followed there (its mark)
 *   and some clusters run something else: a failed rollout kept
 *   (`onFailure: keep`), a deploy to one cluster, a tag that could not be put
 *   back. Drover made or saw that difference; it is reported, not followed;
 * - `moved`: the tag names a digest Drover did not put there: someone moved
 *   it, or a deploy stopped between moving the tag and releasing. Follow it.
 *
 * `outOfSync` lists the clusters that do not run the tag's digest whole.
 */
export type ChannelSync =
  { kind: 'no-tag' } | { kind: 'in-sync' } | { kind: 'in-flight' | 'retired' | 'known' | 'moved'; outOfSync: string[] };

export function channelSync({
  tag,
  mark,
  clusters,
}: {
  tag: string | undefined;
  mark: string | undefined;
  clusters: readonly { cluster: string; release?: ReleaseRecord }[];
}): ChannelSync {
  if (tag === undefined) return { kind: 'no-tag' };
  const outOfSync = clusters.filter((c) => runningOf(c.release)?.digest !== tag);
  if (outOfSync.length === 0) return { kind: 'in-sync' };
  const names = outOfSync.map((c) => c.cluster);
  if (clusters.some((c) => c.release && c.release.finishedAt === null)) return { kind: 'in-flight', outOfSync: names };
  if (outOfSync.every((c) => c.release?.kind === 'retire')) return { kind: 'retired', outOfSync: names };
  if (mark === tag) return { kind: 'known', outOfSync: names };
  return { kind: 'moved', outOfSync: names };
}
