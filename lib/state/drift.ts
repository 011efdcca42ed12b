/**
 * Drift findings and heals in the state database. A finding is one member of
 * one bundle on one cluster that differs from the version the cluster should
 * run (`changed`, with the fields) or is gone (`missing`). At most one
 * finding per object is open at a time: seeing the same drift again moves
 * `last_seen` (and refreshes the fields), it never adds a row; when the object
 * matches again the finding is resolved with how (`matched`, `healed`,
 * `released`, `removed`). Field values arrive here already masked: this table
 * never holds a Secret value. A heal is the journal of one self-heal attempt
 * (outcome `started` -> `healed` | `failed`, or `skipped` with the reason).
 *
 * @example
 *   const { finding, opened } = recordFinding(db, { bundle: 'web', cluster: 'c1', ..., kind: 'changed', fields });
 *   resolveFinding(db, { bundle: 'web', cluster: 'c1', ...ref, resolution: 'matched' });
 */
import type { DriftKind } from '../drift/assess.ts';
import type { DetectedBy } from '../drift/observation.ts';
import type { StateDb } from './open.ts';

export type DriftResolution = 'matched' | 'healed' | 'released' | 'removed';
export type HealOutcome = 'started' | 'healed' | 'failed' | 'skipped';

/** One drifted field as stored: dotted path, desired and live values (masked), who owns the live field now. */
export interface StoredDriftField {
  path: string;
  desired?: unknown;
  live?: unknown;
  managers?: string[];
}

export interface FindingTarget {
  bundle: string;
  cluster: string;
  apiVersion: string;
  objectKind: string;
  namespace: string;
  name: string;
}

export interface FindingRecord extends FindingTarget {
  id: number;
  version: string;
  digest: string;
  /** `Kind/namespace/name`. */
  ref: string;
  kind: DriftKind;
  fields: StoredDriftField[];
  detectedBy: DetectedBy;
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  resolution: DriftResolution | null;
  healId: number | null;
}

export interface HealRecord {
  id: number;
  bundle: string;
  cluster: string;
  version: string;
  digest: string;
  outcome: HealOutcome;
  reason: string | null;
  releaseId: number | null;
  refs: string[];
  startedAt: string;
  finishedAt: string | null;
}

interface FindingRow {
  id: number;
  bundle: string;
  version: string;
  digest: string;
  cluster: string;
  api_version: string;
  object_kind: string;
  namespace: string;
  name: string;
  ref: string;
  kind: DriftKind;
  fields: string;
  detected_by: DetectedBy;
  first_seen: string;
  last_seen: string;
  resolved_at: string | null;
  resolution: DriftResolution | null;
  heal_id: number | null;
}

const toFinding = (r: FindingRow): FindingRecord => ({
  id: r.id,
  bundle: r.bundle,
  version: r.version,
  digest: r.digest,
  cluster: r.cluster,
  apiVersion: r.api_version,
  objectKind: r.object_kind,
  namespace: r.namespace,
  name: r.name,
  ref: r.ref,
  kind: r.kind,
  fields: JSON.parse(r.fields) as StoredDriftField[],
  detectedBy: r.detected_by,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  resolvedAt: r.resolved_at,
  resolution: r.resolution,
  healId: r.heal_id,
});

/** The object a finding is about. */
export function targetOf(f: FindingTarget): FindingTarget {
  return {
    bundle: f.bundle,
    cluster: f.cluster,
    apiVersion: f.apiVersion,
    objectKind: f.objectKind,
    namespace: f.namespace,
    name: f.name,
  };
}

const OPEN_BY_TARGET =
  'bundle = ? AND cluster = ? AND api_version = ? AND object_kind = ? AND namespace = ? AND name = ? AND resolved_at IS NULL';
const targetArgs = (t: FindingTarget) => [t.bundle, t.cluster, t.apiVersion, t.objectKind, t.namespace, t.name];

export interface RecordFindingInput extends FindingTarget {
  version: string;
  digest: string;
  ref: string;
  kind: DriftKind;
  fields: StoredDriftField[];
  detectedBy: DetectedBy;
  at?: string;
}

/**
 * Opens a finding, or updates the open one for the same object (last_seen,
 * kind, fields, version). `opened` is true for a new row; `changed` when the
 * open row's kind or fields differ from before (a new row counts as changed).
 */
export function recordFinding(
  db: StateDb,
  f: RecordFindingInput,
): { finding: FindingRecord; opened: boolean; changed: boolean } {
  const at = f.at ?? new Date().toISOString();
  const fields = JSON.stringify(f.fields);
  return db
    .transaction(() => {
      const cur = db.prepare(`SELECT * FROM drift_findings WHERE ${OPEN_BY_TARGET}`).get(...targetArgs(f)) as
        FindingRow | undefined;
      if (cur) {
        const changed = cur.kind !== f.kind || cur.fields !== fields;
        db.prepare(
          'UPDATE drift_findings SET last_seen = ?, kind = ?, fields = ?, version = ?, digest = ? WHERE id = ?',
        ).run(at, f.kind, fields, f.version, f.digest, cur.id);
        return {
          finding: toFinding(db.prepare('SELECT * FROM drift_findings WHERE id = ?').get(cur.id) as FindingRow),
          opened: false,
          changed,
        };
      }
      const info = db
        .prepare(
          `INSERT INTO drift_findings (bundle, version, digest, cluster, api_version, object_kind, namespace, name, ref, kind, fields, detected_by, first_seen, last_seen)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          f.bundle,
          f.version,
          f.digest,
          f.cluster,
          f.apiVersion,
          f.objectKind,
          f.namespace,
          f.name,
          f.ref,
          f.kind,
          fields,
          f.detectedBy,
          at,
          at,
        );
      return {
        finding: toFinding(
          db.prepare('SELECT * FROM drift_findings WHERE id = ?').get(Number(info.lastInsertRowid)) as FindingRow,
        ),
        opened: true,
        changed: true,
      };
    })
    .immediate();
}

/** Resolves the open finding for an object, if any; returns it as resolved. */
export function resolveFinding(
  db: StateDb,
  t: FindingTarget & { resolution: DriftResolution; healId?: number; at?: string },
): FindingRecord | undefined {
  const at = t.at ?? new Date().toISOString();
  return db
    .transaction(() => {
      const cur = db.prepare(`SELECT id FROM drift_findings WHERE ${OPEN_BY_TARGET}`).get(...targetArgs(t)) as
        { id: number } | undefined;
      if (!cur) return undefined;
      db.prepare('UPDATE drift_findings SET resolved_at = ?, resolution = ?, heal_id = ? WHERE id = ?').run(
        at,
        t.resolution,
        t.healId ?? null,
        cur.id,
      );
      return toFinding(db.prepare('SELECT * FROM drift_findings WHERE id = ?').get(cur.id) as FindingRow);
    })
    .immediate();
}

/** The open finding for one object, if any. */
export function openFinding(db: StateDb, t: FindingTarget): FindingRecord | undefined {
  const row = db.prepare(`SELECT * FROM drift_findings WHERE ${OPEN_BY_TARGET}`).get(...targetArgs(t)) as
    FindingRow | undefined;
  return row && toFinding(row);
}

/** Open findings, oldest first, optionally for one bundle and/or cluster. */
export function openFindings(
  db: StateDb,
  { bundle, cluster }: { bundle?: string; cluster?: string } = {},
): FindingRecord[] {
  return (
    db
      .prepare(
        'SELECT * FROM drift_findings WHERE resolved_at IS NULL AND (? IS NULL OR bundle = ?) AND (? IS NULL OR cluster = ?) ORDER BY id',
      )
      .all(bundle ?? null, bundle ?? null, cluster ?? null, cluster ?? null) as FindingRow[]
  ).map(toFinding);
}

/** Findings newest first, resolved ones included. */
export function listFindings(
  db: StateDb,
  { bundle, cluster, limit = 100 }: { bundle?: string; cluster?: string; limit?: number } = {},
): FindingRecord[] {
  return (
    db
      .prepare(
        'SELECT * FROM drift_findings WHERE (? IS NULL OR bundle = ?) AND (? IS NULL OR cluster = ?) ORDER BY id DESC LIMIT ?',
      )
      .all(bundle ?? null, bundle ?? null, cluster ?? null, cluster ?? null, limit) as FindingRow[]
  ).map(toFinding);
}

interface HealRow {
  id: number;
  bundle: string;
  cluster: string;
  version: string;
  digest: string;
  outcome: HealOutcome;
  reason: string | null;
  release_id: number | null;
  refs: string;
  started_at: string;
  finished_at: string | null;
}

const toHeal = (r: HealRow): HealRecord => ({
  id: r.id,
  bundle: r.bundle,
  cluster: r.cluster,
  version: r.version,
  digest: r.digest,
  outcome: r.outcome,
  reason: r.reason,
  releaseId: r.release_id,
  refs: JSON.parse(r.refs) as string[],
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/** Records a heal attempt before it runs (`started`), or a heal skipped with its reason. */
export function beginHeal(
  db: StateDb,
  h: {
    bundle: string;
    cluster: string;
    version: string;
    digest: string;
    refs: string[];
    skipped?: string;
    at?: string;
  },
): HealRecord {
  const at = h.at ?? new Date().toISOString();
  const info = db
    .prepare(
      'INSERT INTO drift_heals (bundle, cluster, version, digest, outcome, reason, refs, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(
      h.bundle,
      h.cluster,
      h.version,
      h.digest,
      h.skipped ? 'skipped' : 'started',
      h.skipped ?? null,
      JSON.stringify(h.refs),
      at,
      h.skipped ? at : null,
    );
  return getHeal(db, Number(info.lastInsertRowid))!;
}

export function finishHeal(
  db: StateDb,
  id: number,
  {
    outcome,
    reason,
    releaseId,
    at,
  }: { outcome: Exclude<HealOutcome, 'started'>; reason?: string; releaseId?: number; at?: string },
): HealRecord {
  db.prepare('UPDATE drift_heals SET outcome = ?, reason = ?, release_id = ?, finished_at = ? WHERE id = ?').run(
    outcome,
    reason ?? null,
    releaseId ?? null,
    at ?? new Date().toISOString(),
    id,
  );
  return getHeal(db, id)!;
}

export function getHeal(db: StateDb, id: number): HealRecord | undefined {
  const row = db.prepare('SELECT * FROM drift_heals WHERE id = ?').get(id) as HealRow | undefined;
  return row && toHeal(row);
}

/** Heals newest first. */
export function listHeals(
  db: StateDb,
  { bundle, cluster, limit = 100 }: { bundle?: string; cluster?: string; limit?: number } = {},
): HealRecord[] {
  return (
    db
      .prepare(
        'SELECT * FROM drift_heals WHERE (? IS NULL OR bundle = ?) AND (? IS NULL OR cluster = ?) ORDER BY id DESC LIMIT ?',
      )
      .all(bundle ?? null, bundle ?? null, cluster ?? null, cluster ?? null, limit) as HealRow[]
  ).map(toHeal);
}

/** Every bundle this state knows: cut here, or released from here. */
export function knownBundles(db: StateDb): string[] {
  return (
    db.prepare('SELECT name FROM bundles UNION SELECT bundle AS name FROM releases ORDER BY name').all() as {
      name: string;
    }[]
  ).map((r) => r.name);
}
