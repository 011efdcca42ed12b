/**
 * Bundle versions in the state index: record a cut (bundle, version, digest,
 * commit and the full config), list a bundle's versions newest first, read
 * one. Recording a cut also moves the source's last cut commit, in the same
 * transaction, so a crash never leaves one without the other.
 */
import { parse as parseSemver } from 'semver';
import { ConflictError, InvalidInputError } from '../errors/errors.ts';
import type { BundleConfig } from '../bundle/pack.ts';
import type { StateDb } from './open.ts';

export interface VersionRecord {
  bundle: string;
  version: string;
  digest: string;
  commit: string;
  parent: string | null;
  createdAt: string;
  /** The bundle config as stored in the registry (members, provenance, policy). */
  config: BundleConfig;
}

interface VersionRow {
  bundle: string;
  version: string;
  digest: string;
  commit_oid: string;
  parent: string | null;
  created_at: string;
  config: string;
}

const toRecord = (r: VersionRow): VersionRecord => ({
  bundle: r.bundle,
  version: r.version,
  digest: r.digest,
  commit: r.commit_oid,
  parent: r.parent,
  createdAt: r.created_at,
  // Written by recordCut from a config this process packed (or read back verified); stored as JSON.
  config: JSON.parse(r.config) as BundleConfig,
});

export interface SourceMark {
  name: string;
  url: string;
  branch: string;
  commit: string;
}

/**
 * Records versions cut from one source commit and marks that commit cut, all
 * or nothing. Re-recording an identical version is a no-op; the same version
 * with another digest is a ConflictError (versions are immutable).
 */
export function recordCut(
  db: StateDb,
  {
    source,
    versions,
    repositoryOf,
    presence,
  }: {
    source: SourceMark;
    versions: VersionRecord[];
    repositoryOf: (bundle: string) => string;
    presence?: { present: ReadonlySet<string>; markMissing: boolean };
  },
): void {
  const now = new Date().toISOString();
  db.transaction(() => {
    db.prepare(
      `INSERT INTO sources (name, url, branch, last_commit, updated_at) VALUES (@name, @url, @branch, @commit, @now)
       ON CONFLICT(name) DO UPDATE SET url = @url, branch = @branch, last_commit = @commit, updated_at = @now`,
    ).run({ ...source, now });
    db.prepare(
      `INSERT INTO commits_seen (source, oid, seen_at, cut) VALUES (?, ?, ?, 1)
       ON CONFLICT(source, oid) DO UPDATE SET cut = 1`,
    ).run(source.name, source.commit, now);
    for (const v of versions) {
      // A bundle's source is the one it was last cut from: the cut refuses a configured source's name to the others (lib/bundle/name-owner.ts), so this moves it only from a source drover.yaml no longer names (renamed, or moved to another repository).
      db.prepare(
        'INSERT INTO bundles (name, source, repository, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET source = excluded.source',
      ).run(v.bundle, source.name, repositoryOf(v.bundle), now);
      const existing = db
        .prepare('SELECT digest FROM versions WHERE bundle = ? AND version = ?')
        .get(v.bundle, v.version) as { digest: string } | undefined;
      if (existing) {
        if (existing.digest !== v.digest) {
          throw new ConflictError(
            `${v.bundle}@${v.version} already exists with digest ${existing.digest}; versions are immutable`,
            {
              data: { bundle: v.bundle, version: v.version, existing: existing.digest, attempted: v.digest },
            },
          );
        }
        continue;
      }
      const sv = parseSemver(v.version);
      if (!sv)
        throw new InvalidInputError(`${v.bundle}: ${v.version} is not a semver version`, {
          data: { bundle: v.bundle, version: v.version },
        });
      db.prepare(
        `INSERT INTO versions (bundle, version, major, minor, patch, digest, commit_oid, parent, created_at, config)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        v.bundle,
        v.version,
        sv.major,
        sv.minor,
        sv.patch,
        v.digest,
        v.commit,
        v.parent,
        v.createdAt,
        JSON.stringify(v.config),
      );
    }
    if (presence) recordPresence(db, { source: source.name, commit: source.commit, ...presence });
  }).immediate();
}

/** The commit a source was last cut at, or undefined if never. */
export function lastCutCommit(db: StateDb, source: string): string | undefined {
  const row = db.prepare('SELECT last_commit FROM sources WHERE name = ?').get(source) as
    { last_commit: string | null } | undefined;
  return row?.last_commit ?? undefined;
}

/** Versions of a bundle, newest (highest semver) first. */
export function listVersions(db: StateDb, bundle: string): VersionRecord[] {
  return (
    db
      .prepare('SELECT * FROM versions WHERE bundle = ? ORDER BY major DESC, minor DESC, patch DESC')
      .all(bundle) as VersionRow[]
  ).map(toRecord);
}

export function getVersion(db: StateDb, bundle: string, version: string): VersionRecord | undefined {
  const row = db.prepare('SELECT * FROM versions WHERE bundle = ? AND version = ?').get(bundle, version) as
    VersionRow | undefined;
  return row && toRecord(row);
}

export function latestVersion(db: StateDb, bundle: string): VersionRecord | undefined {
  return listVersions(db, bundle)[0];
}

export interface BundleRecord {
  name: string;
  source: string;
  repository: string;
  /** When the bundle's Bundle document was no longer found at its source's head: that commit, and when the cut saw it. */
  left: { commit: string; at: string } | null;
}

export function listBundles(db: StateDb): BundleRecord[] {
  const rows = db.prepare('SELECT name, source, repository, left_commit, left_at FROM bundles ORDER BY name').all() as {
    name: string;
    source: string;
    repository: string;
    left_commit: string | null;
    left_at: string | null;
  }[];
  return rows.map((r) => ({
    name: r.name,
    source: r.source,
    repository: r.repository,
    left: r.left_commit && r.left_at ? { commit: r.left_commit, at: r.left_at } : null,
  }));
}

export function getBundle(db: StateDb, name: string): BundleRecord | undefined {
  return listBundles(db).find((b) => b.name === name);
}

/**
 * Records which of a source's known bundles its head at `commit` still
 * declares: the present ones are unmarked (a Bundle document that came
 * back); with `markMissing`, the others are marked as having left it (once:
 * the first commit they were missing at is kept). Without it (a file failed
 * to parse and may hold a missing one's document), no mark is added.
 */
export function recordPresence(
  db: StateDb,
  {
    source,
    commit,
    present,
    markMissing,
  }: { source: string; commit: string; present: ReadonlySet<string>; markMissing: boolean },
): void {
  const now = new Date().toISOString();
  db.transaction(() => {
    for (const b of listBundles(db).filter((x) => x.source === source)) {
      if (present.has(b.name)) {
        if (b.left) db.prepare('UPDATE bundles SET left_commit = NULL, left_at = NULL WHERE name = ?').run(b.name);
      } else if (!b.left && markMissing)
        db.prepare('UPDATE bundles SET left_commit = ?, left_at = ? WHERE name = ?').run(commit, now, b.name);
    }
  }).immediate();
}
