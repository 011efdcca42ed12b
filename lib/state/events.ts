/**
 * Kubernetes Events kept per bundle, version and cluster (table
 * `kube_events`), so a release's causes outlive the apiserver's one-hour
 * Event retention and can be shown across clusters in one timeline. One row
 * per (cluster, Event uid, bundle): gathering again updates the count, the
 * last time, the message and the version, never adds a row.
 *
 * @example
 *   upsertKubeEvents(db, rows);
 *   listKubeEvents(db, { bundle: 'web', version: '1.0.2' });
 */
import type { StateDb } from './open.ts';

export interface KubeEventRow {
  cluster: string;
  uid: string;
  bundle: string;
  /** The version the cluster was running or releasing when it happened; null when unknown. */
  version: string | null;
  /** `Kind/ns/name` of the member it is about (itself or through a child). */
  member: string;
  /** `Kind/ns/name` of the object the Event names, and its uid when the Event gave one. */
  object: string;
  objectUid: string | null;
  type: string;
  reason: string;
  message: string;
  source: string;
  count: number;
  firstAt: string;
  lastAt: string;
  /** The Event's resourceVersion when first stored (orders Events of one second on one cluster). */
  resourceVersion: string;
  gatheredAt: string;
}

interface Row {
  cluster: string;
  uid: string;
  bundle: string;
  version: string | null;
  member: string;
  object: string;
  object_uid: string | null;
  type: string;
  reason: string;
  message: string;
  source: string;
  count: number;
  first_at: string;
  last_at: string;
  resource_version: string;
  gathered_at: string;
}

const toRecord = (r: Row): KubeEventRow => ({
  cluster: r.cluster,
  uid: r.uid,
  bundle: r.bundle,
  version: r.version,
  member: r.member,
  object: r.object,
  objectUid: r.object_uid,
  type: r.type,
  reason: r.reason,
  message: r.message,
  source: r.source,
  count: r.count,
  firstAt: r.first_at,
  lastAt: r.last_at,
  resourceVersion: r.resource_version,
  gatheredAt: r.gathered_at,
});

export interface UpsertResult {
  added: number;
  updated: number;
}

/** Stores Events in one transaction; an Event already stored keeps its first time and resourceVersion. */
export function upsertKubeEvents(db: StateDb, rows: readonly KubeEventRow[]): UpsertResult {
  const exists = db.prepare(
    'SELECT count, last_at, message, version FROM kube_events WHERE cluster = ? AND uid = ? AND bundle = ?',
  );
  const insert = db.prepare(
    `INSERT INTO kube_events (cluster, uid, bundle, version, member, object, object_uid, type, reason, message, source, count, first_at, last_at, resource_version, gathered_at)
     VALUES (@cluster, @uid, @bundle, @version, @member, @object, @objectUid, @type, @reason, @message, @source, @count, @firstAt, @lastAt, @resourceVersion, @gatheredAt)`,
  );
  const update = db.prepare(
    `UPDATE kube_events SET version = @version, count = @count, last_at = @lastAt, message = @message, gathered_at = @gatheredAt
     WHERE cluster = @cluster AND uid = @uid AND bundle = @bundle`,
  );
  const result: UpsertResult = { added: 0, updated: 0 };
  db.transaction(() => {
    for (const r of rows) {
      const old = exists.get(r.cluster, r.uid, r.bundle) as
        Pick<Row, 'count' | 'last_at' | 'message' | 'version'> | undefined;
      if (!old) {
        insert.run(r);
        result.added++;
      } else if (
        old.count !== r.count ||
        old.last_at !== r.lastAt ||
        old.message !== r.message ||
        old.version !== r.version
      ) {
        update.run(r);
        result.updated++;
      }
    }
  }).immediate();
  return result;
}

export function listKubeEvents(
  db: StateDb,
  { bundle, version, cluster }: { bundle: string; version?: string; cluster?: string },
): KubeEventRow[] {
  return (
    db
      .prepare(
        'SELECT * FROM kube_events WHERE bundle = ? AND (? IS NULL OR version = ?) AND (? IS NULL OR cluster = ?) ORDER BY first_at, cluster, uid',
      )
      .all(bundle, version ?? null, version ?? null, cluster ?? null, cluster ?? null) as Row[]
  ).map(toRecord);
}

/** True when any Event of the bundle is stored. */
export function hasKubeEvents(db: StateDb, bundle: string): boolean {
  return db.prepare('SELECT 1 FROM kube_events WHERE bundle = ? LIMIT 1').get(bundle) !== undefined;
}
