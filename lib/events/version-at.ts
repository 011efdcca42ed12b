/**
 * Which version of a bundle a cluster was running or releasing at a moment,
 * from the release journal of that bundle on that cluster:
 * - during a release (started, not finished): the version being released,
 *   including while it fails and rolls back — its failure events are its own;
 * - after a release finished: the version it left running — its own when it
 *   succeeded or its rollback failed half way, the one it came from when it
 *   was rolled back;
 * - before the first release in the journal: the version that release came
 *   from (none before a first release); with no journal at all for the
 *   bundle on the cluster, `fallback` (what the cluster's inventory says it
 *   runs: another Drover may have done the releasing).
 * Events stamped in whole seconds happened somewhere in that second, and a
 * release that overlaps that second at all claims them: an Event of a
 * release's first second belongs to the release rather than to the version
 * before it, and so do the failure Events of a release that failed and was
 * rolled back within one second (Drover detects a crash loop and restores
 * the previous version in a few hundred milliseconds). Clocks are assumed to agree
 * (the journal is written by Drover, Event times by the apiserver's clients).
 * Pure.
 *
 * @example
 *   versionAt({ releases, at: '2026-11-25T10:21:57Z' }) // => '1.0.2'
 */
import { timeMs, wholeSeconds } from './event-record.ts';

export interface ReleaseSpan {
  version: string;
  fromVersion: string | null;
  state: string;
  startedAt: string;
  finishedAt: string | null;
}

export function versionAt({
  releases,
  at,
  fallback = null,
}: {
  releases: readonly ReleaseSpan[];
  at: string;
  fallback?: string | null;
}): string | null {
  if (releases.length === 0) return fallback;
  // The span the Event may have happened in: its second, for a whole-second stamp.
  const earliest = timeMs(at);
  const latest = earliest + (wholeSeconds(at) ? 999 : 0);
  if (Number.isNaN(earliest)) return fallback;
  const sorted = [...releases].sort((a, b) => timeMs(a.startedAt) - timeMs(b.startedAt));
  let current: ReleaseSpan | undefined;
  for (const r of sorted) if (timeMs(r.startedAt) <= latest) current = r;
  if (!current) return sorted[0]!.fromVersion;
  if (current.finishedAt === null || earliest <= timeMs(current.finishedAt)) return current.version;
  return current.state === 'rolled-back' ? current.fromVersion : current.version;
}
