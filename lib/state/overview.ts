/**
 * The dashboard's overview as a handful of set queries, not one query per
 * cell: a page of bundles (filtered by name and by the namespaces their
 * newest version's members live in, in SQL, so 500 bundles cost what one
 * page costs), then for that page only, each (bundle, cluster)'s newest
 * release, newest finished release, open drift count, every channel
 * mark and channel read with the version it names, and each environment's
 * newest rollout when it was refused. Reading only.
 *
 * @example
 *   const page = readOverviewPage(db, { q: 'web', namespace: 'shop', offset: 0, limit: 50 });
 *   readOverviewCells(db, page.bundles.map((b) => b.name)) // { releases, finished, drift, marks }
 */
import type { StateDb } from './open.ts';
import { type ReleaseRecord, type ReleaseRow, rowToRelease } from './releases.ts';

export interface OverviewBundle {
  name: string;
  /** The newest version, if any was cut. */
  latest: string | null;
  /** Namespaces of the newest version's members ('' for cluster-scoped ones), sorted. */
  namespaces: string[];
  /** Set when the bundle's document left its source. */
  left: boolean;
}

export interface OverviewPageQuery {
  /** Substring of the bundle name (case-insensitive). */
  q?: string;
  /** Only bundles with a member in this namespace. */
  namespace?: string;
  /** Only these bundles (the dashboard's live updates read one row). */
  only?: readonly string[];
  offset?: number;
  limit?: number;
}

export interface OverviewCells {
  /** Per `bundle\0cluster`: the newest release, whatever its state. */
  releases: Map<string, ReleaseRecord>;
  /** Per `bundle\0cluster`: the newest finished release (what runs while another is in flight). */
  finished: Map<string, ReleaseRecord>;
  /** Per `bundle\0cluster`: open drift findings. */
  drift: Map<string, number>;
  /** Per `bundle\0environment`: the version the channel tag names as Drover last set or followed it. */
  marks: Map<string, { version: string | null; digest: string; at: string }>;
  /** Per `bundle\0environment`: what the tag watch last read the tag to name (digest null: no tag), and when. */
  reads: Map<string, { version: string | null; digest: string | null; at: string }>;
  /** Per `bundle\0environment`: the newest rollout there when it was refused (a digest not cut here, unsigned...): why. */
  refusals: Map<string, { digest: string; version: string; reason: string | null; message: string; at: string }>;
}

const LIKE_ESCAPE = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function readOverviewPage(
  db: StateDb,
  { q, namespace, only, offset = 0, limit = 50 }: OverviewPageQuery,
): { total: number; bundles: OverviewBundle[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q) {
    where.push(`b.name LIKE ? ESCAPE '\\'`);
    args.push(`%${LIKE_ESCAPE(q)}%`);
  }
  if (only) {
    where.push(`b.name IN (SELECT value FROM json_each(?))`);
    args.push(JSON.stringify(only));
  }
  if (namespace !== undefined) {
    where.push(
      `EXISTS (SELECT 1 FROM json_each(v.config, '$.members') m WHERE coalesce(json_extract(m.value, '$.namespace'), '') = ?)`,
    );
    args.push(namespace);
  }
  // The newest version by semver order, one per bundle (the versions_by_order index).
  const from = `FROM bundles b LEFT JOIN versions v ON v.bundle = b.name AND v.rowid = (SELECT rowid FROM versions WHERE bundle = b.name ORDER BY major DESC, minor DESC, patch DESC LIMIT 1)${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  const total = (db.prepare(`SELECT count(*) AS n ${from}`).get(...args) as { n: number }).n;
  const rows = db
    .prepare(
      `SELECT b.name, b.left_commit, v.version, (SELECT json_group_array(ns) FROM (SELECT DISTINCT coalesce(json_extract(m.value, '$.namespace'), '') AS ns FROM json_each(v.config, '$.members') m ORDER BY ns)) AS namespaces ${from} ORDER BY b.name LIMIT ? OFFSET ?`,
    )
    .all(...args, limit, offset) as {
    name: string;
    left_commit: string | null;
    version: string | null;
    namespaces: string | null;
  }[];
  return {
    total,
    bundles: rows.map((r) => ({
      name: r.name,
      latest: r.version,
      namespaces: r.version && r.namespaces ? (JSON.parse(r.namespaces) as string[]) : [],
      left: r.left_commit !== null,
    })),
  };
}

export function readOverviewCells(db: StateDb, bundles: readonly string[]): OverviewCells {
  const out: OverviewCells = {
    releases: new Map(),
    finished: new Map(),
    drift: new Map(),
    marks: new Map(),
    reads: new Map(),
    refusals: new Map(),
  };
  if (bundles.length === 0) return out;
  const names = JSON.stringify(bundles);
  const newest = (finishedOnly: boolean) =>
    db
      .prepare(
        `SELECT r.* FROM releases r JOIN (SELECT max(id) AS id FROM releases WHERE bundle IN (SELECT value FROM json_each(?))${finishedOnly ? ' AND finished_at IS NOT NULL' : ''} GROUP BY bundle, cluster) m ON r.id = m.id`,
      )
      .all(names) as ReleaseRow[];
  for (const row of newest(false)) {
    const r = rowToRelease(row);
    out.releases.set(`${r.bundle}\0${r.cluster}`, r);
  }
  for (const row of newest(true)) {
    const r = rowToRelease(row);
    out.finished.set(`${r.bundle}\0${r.cluster}`, r);
  }
  for (const d of db
    .prepare(
      `SELECT bundle, cluster, count(*) AS n FROM drift_findings WHERE resolved_at IS NULL AND bundle IN (SELECT value FROM json_each(?)) GROUP BY bundle, cluster`,
    )
    .all(names) as { bundle: string; cluster: string; n: number }[]) {
    out.drift.set(`${d.bundle}\0${d.cluster}`, d.n);
  }
  for (const m of db
    .prepare(
      `SELECT c.bundle, c.environment, c.digest, c.at, v.version FROM channel_marks c LEFT JOIN versions v ON v.bundle = c.bundle AND v.digest = c.digest WHERE c.bundle IN (SELECT value FROM json_each(?))`,
    )
    .all(names) as { bundle: string; environment: string; digest: string; at: string; version: string | null }[]) {
    out.marks.set(`${m.bundle}\0${m.environment}`, { version: m.version, digest: m.digest, at: m.at });
  }
  for (const r of db
    .prepare(
      `SELECT c.bundle, c.environment, c.digest, c.read_at, v.version FROM channel_reads c LEFT JOIN versions v ON v.bundle = c.bundle AND v.digest = c.digest WHERE c.bundle IN (SELECT value FROM json_each(?))`,
    )
    .all(names) as {
    bundle: string;
    environment: string;
    digest: string | null;
    read_at: string;
    version: string | null;
  }[]) {
    out.reads.set(`${r.bundle}\0${r.environment}`, { version: r.version, digest: r.digest, at: r.read_at });
  }
  for (const r of db
    .prepare(
      `SELECT r.bundle, r.environment, r.digest, r.version, r.failures, r.started_at FROM rollouts r JOIN (SELECT max(id) AS id FROM rollouts WHERE environment IS NOT NULL AND bundle IN (SELECT value FROM json_each(?)) GROUP BY bundle, environment) m ON r.id = m.id WHERE r.outcome = 'refused'`,
    )
    .all(names) as {
    bundle: string;
    environment: string;
    digest: string;
    version: string;
    failures: string;
    started_at: string;
  }[]) {
    const first = (JSON.parse(r.failures) as { error?: { reason?: string; message?: string } }[])[0]?.error;
    out.refusals.set(`${r.bundle}\0${r.environment}`, {
      digest: r.digest,
      version: r.version,
      reason: first?.reason ?? null,
      message: first?.message ?? 'refused',
      at: r.started_at,
    });
  }
  return out;
}
