/**
 * The release journal: one row per (bundle, version, cluster) release and an
 * ordered list of steps, written BEFORE each step runs (synchronous=FULL), so
 * after a crash the engine knows what it was doing. States:
 *
 *   planned -> applying -> verifying -> succeeded
 *                      \-> failed -> rolling-back -> rolled-back | rollback-failed
 *
 * A retirement (`kind: 'retire'`, `drover retire`) is journaled the same way:
 * planned -> applying (deleting) -> succeeded, or failed, which is final for
 * a retirement (what was deleted stays deleted; retiring again finishes it).
 */
import type { StateDb } from './open.ts';

export type ReleaseState =
  'planned' | 'applying' | 'verifying' | 'succeeded' | 'failed' | 'rolling-back' | 'rolled-back' | 'rollback-failed';

export const FINAL_STATES: readonly ReleaseState[] = ['succeeded', 'rolled-back', 'rollback-failed'];

/** `release`: a version applied; `retire`: the bundle removed from the cluster on purpose. */
export type ReleaseKind = 'release' | 'retire';

export interface ReleaseRecord {
  id: number;
  kind: ReleaseKind;
  bundle: string;
  cluster: string;
  environment: string | null;
  version: string;
  digest: string;
  fromVersion: string | null;
  fromDigest: string | null;
  state: ReleaseState;
  reason: string | null;
  failedObject: string | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface ReleaseStep {
  seq: number;
  at: string;
  state: ReleaseState;
  message: string;
  data: unknown;
}

export interface ReleaseRow {
  id: number;
  kind: ReleaseKind;
  bundle: string;
  cluster: string;
  environment: string | null;
  version: string;
  digest: string;
  from_version: string | null;
  from_digest: string | null;
  state: ReleaseState;
  reason: string | null;
  failed_object: string | null;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** A `releases` row as a record (for readers that select rows themselves, like the overview). */
export const rowToRelease = (r: ReleaseRow): ReleaseRecord => ({
  id: r.id,
  kind: r.kind,
  bundle: r.bundle,
  cluster: r.cluster,
  environment: r.environment,
  version: r.version,
  digest: r.digest,
  fromVersion: r.from_version,
  fromDigest: r.from_digest,
  state: r.state,
  reason: r.reason,
  failedObject: r.failed_object,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

export function beginRelease(
  db: StateDb,
  r: {
    bundle: string;
    cluster: string;
    environment?: string;
    version: string;
    digest: string;
    fromVersion?: string;
    fromDigest?: string;
    cause?: string;
    kind?: ReleaseKind;
  },
): ReleaseRecord {
  const kind = r.kind ?? 'release';
  const now = new Date().toISOString();
  const id = db
    .transaction(() => {
      const info = db
        .prepare(
          `INSERT INTO releases (bundle, cluster, environment, version, digest, from_version, from_digest, state, started_at, updated_at, kind)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?)`,
        )
        .run(
          r.bundle,
          r.cluster,
          r.environment ?? null,
          r.version,
          r.digest,
          r.fromVersion ?? null,
          r.fromDigest ?? null,
          now,
          now,
          kind,
        );
      const rid = Number(info.lastInsertRowid);
      db.prepare(`INSERT INTO release_steps (release_id, seq, at, state, message) VALUES (?, 1, ?, 'planned', ?)`).run(
        rid,
        now,
        kind === 'retire'
          ? `retire ${r.bundle} (running ${r.version}) from ${r.cluster} planned${r.cause ? `: ${r.cause}` : ''}`
          : `release ${r.bundle}@${r.version} to ${r.cluster} planned${r.fromVersion ? ` (from ${r.fromVersion})` : ''}${r.cause ? `: ${r.cause}` : ''}`,
      );
      return rid;
    })
    .immediate();
  return getRelease(db, id)!;
}

/** Moves a release to `state` and appends a step, in one transaction. Final states set finished_at. */
export function recordStep(
  db: StateDb,
  id: number,
  {
    state,
    message,
    data,
    reason,
    failedObject,
  }: { state: ReleaseState; message: string; data?: unknown; reason?: string; failedObject?: string },
): void {
  const now = new Date().toISOString();
  db.transaction(() => {
    const seq = (
      db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM release_steps WHERE release_id = ?').get(id) as {
        n: number;
      }
    ).n;
    db.prepare('INSERT INTO release_steps (release_id, seq, at, state, message, data) VALUES (?, ?, ?, ?, ?, ?)').run(
      id,
      seq,
      now,
      state,
      message,
      data === undefined ? null : JSON.stringify(data),
    );
    db.prepare(
      `UPDATE releases SET state = ?, updated_at = ?, reason = COALESCE(?, reason), failed_object = COALESCE(?, failed_object),
         finished_at = CASE WHEN ? OR (kind = 'retire' AND ? = 'failed') THEN ? ELSE finished_at END WHERE id = ?`,
    ).run(state, now, reason ?? null, failedObject ?? null, FINAL_STATES.includes(state) ? 1 : 0, state, now, id);
  }).immediate();
}

export function getRelease(db: StateDb, id: number): ReleaseRecord | undefined {
  const row = db.prepare('SELECT * FROM releases WHERE id = ?').get(id) as ReleaseRow | undefined;
  return row && rowToRelease(row);
}

export function releaseSteps(db: StateDb, id: number): ReleaseStep[] {
  return (
    db.prepare('SELECT seq, at, state, message, data FROM release_steps WHERE release_id = ? ORDER BY seq').all(id) as {
      seq: number;
      at: string;
      state: ReleaseState;
      message: string;
      data: string | null;
    }[]
  ).map((s) => ({
    ...s,
    data: s.data === null ? undefined : JSON.parse(s.data),
  }));
}

/** Releases not in a final state: what a restart must finish or roll back. */
export function unfinishedReleases(db: StateDb): ReleaseRecord[] {
  return (db.prepare('SELECT * FROM releases WHERE finished_at IS NULL ORDER BY id').all() as ReleaseRow[]).map(
    rowToRelease,
  );
}

export function listReleases(
  db: StateDb,
  { bundle, cluster, limit = 50 }: { bundle?: string; cluster?: string; limit?: number } = {},
): ReleaseRecord[] {
  return (
    db
      .prepare(
        'SELECT * FROM releases WHERE (? IS NULL OR bundle = ?) AND (? IS NULL OR cluster = ?) ORDER BY id DESC LIMIT ?',
      )
      .all(bundle ?? null, bundle ?? null, cluster ?? null, cluster ?? null, limit) as ReleaseRow[]
  ).map(rowToRelease);
}

/** The newest release of a bundle on a cluster, whatever its state. */
export function lastRelease(db: StateDb, bundle: string, cluster: string): ReleaseRecord | undefined {
  return listReleases(db, { bundle, cluster, limit: 1 })[0];
}

/** A cluster and its newest release of a bundle, if any: a row of what an environment runs (release/environment-run.ts judges it). */
export interface ClusterRelease {
  cluster: string;
  release?: ReleaseRecord;
}

/** The newest release of a bundle on each of these clusters. */
export function lastReleases(
  db: StateDb,
  { bundle, clusters }: { bundle: string; clusters: readonly string[] },
): ClusterRelease[] {
  return clusters.map((cluster) => {
    const release = lastRelease(db, bundle, cluster);
    return release ? { cluster, release } : { cluster };
  });
}

/** The newest succeeded release of a bundle on a cluster. */
export function lastSucceeded(db: StateDb, bundle: string, cluster: string): ReleaseRecord | undefined {
  const row = db
    .prepare(`SELECT * FROM releases WHERE bundle = ? AND cluster = ? AND state = 'succeeded' ORDER BY id DESC LIMIT 1`)
    .get(bundle, cluster) as ReleaseRow | undefined;
  return row && rowToRelease(row);
}

/** Every release of one version to an environment (or, before environments were recorded, to one of its clusters), newest first. */
export function releasesOfVersion(
  db: StateDb,
  {
    bundle,
    version,
    environment,
    clusters,
  }: { bundle: string; version: string; environment: string; clusters: readonly string[] },
): ReleaseRecord[] {
  return (
    db
      .prepare(
        `SELECT * FROM releases WHERE bundle = ? AND version = ? AND kind = 'release' AND (environment = ? OR (environment IS NULL AND cluster IN (SELECT value FROM json_each(?)))) ORDER BY id DESC`,
      )
      .all(bundle, version, environment, JSON.stringify(clusters)) as ReleaseRow[]
  ).map(rowToRelease);
}
