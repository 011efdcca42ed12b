/**
 * Gathers a bundle's Events on one cluster into the state database: reads the
 * timeline (read-timeline.ts), gives each Event the version the cluster was
 * running or releasing when it happened (version-at.ts, from the release
 * journal), and stores them (lib/state/events.ts). Safe to call again and
 * again: an Event is one row, its count and last time updated. The release
 * engine or the daemon calls it after a release; `drover events` before it
 * shows the timeline.
 *
 * @example
 *   await recordBundleEvents({ db, cluster, bundle: 'web', members: [...inv.current.members, ...inv.pending.members], running: inv.current?.version ?? null, signal });
 *   // => { bundle: 'web', cluster: 'c1', seen: 14, added: 3, updated: 1 }
 */
import type { Cluster } from '../cluster/cluster.ts';
import { type KubeEventRow, upsertKubeEvents } from '../state/events.ts';

import type { StateDb } from '../state/open.ts';
import { listReleases } from '../state/releases.ts';

import type { ObjectId } from '../object/ref.ts';
import { type ListCache, readTimeline } from './read-timeline.ts';

import type { TimelineEntry } from './timeline.ts';
import { type ReleaseSpan, versionAt } from './version-at.ts';

export interface RecordBundleEventsOptions {
  db: StateDb;
  cluster: Cluster;
  bundle: string;
  /** Every member the bundle has or is getting on the cluster (the inventory's current and pending). */
  members: readonly ObjectId[];
  /** The version the cluster's inventory says it runs: the version of Events when the journal knows no release. */
  running?: string | null;
  cache?: ListCache;
  signal?: AbortSignal;
  /** The time written as `gatheredAt` (default now). */
  now?: Date;
}

export interface RecordedEvents {
  bundle: string;
  cluster: string;
  /** Events of the bundle the cluster holds now. */
  seen: number;
  added: number;
  updated: number;
}

/** Stored rows for timeline entries. Pure. */
export function assembleEventRows({
  cluster,
  bundle,
  entries,
  releases,
  running = null,
  gatheredAt,
}: {
  cluster: string;
  bundle: string;
  entries: readonly TimelineEntry[];
  releases: readonly ReleaseSpan[];
  running?: string | null;
  gatheredAt: string;
}): KubeEventRow[] {
  return entries.map(({ event, member, object }) => ({
    cluster,
    uid: event.uid,
    bundle,
    version: versionAt({ releases, at: event.firstAt, fallback: running }),
    member,
    object,
    objectUid: event.object.uid ?? null,
    type: event.type,
    reason: event.reason,
    message: event.message,
    source: event.source,
    count: event.count,
    firstAt: event.firstAt,
    lastAt: event.lastAt,
    resourceVersion: event.resourceVersion,
    gatheredAt,
  }));
}

export async function recordBundleEvents({
  db,
  cluster,
  bundle,
  members,
  running = null,
  cache,
  signal,
  now = new Date(),
}: RecordBundleEventsOptions): Promise<RecordedEvents> {
  if (members.length === 0) return { bundle, cluster: cluster.name, seen: 0, added: 0, updated: 0 };
  const entries = await readTimeline(cluster, { members, ...(cache ? { cache } : {}), signal });
  const releases = listReleases(db, { bundle, cluster: cluster.name, limit: 100_000 });
  const rows = assembleEventRows({
    cluster: cluster.name,
    bundle,
    entries,
    releases,
    running,
    gatheredAt: now.toISOString(),
  });
  return { bundle, cluster: cluster.name, seen: rows.length, ...upsertKubeEvents(db, rows) };
}
