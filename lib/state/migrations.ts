/**
 * The state database's schema, as an ordered list of migrations. A migration
 * is never edited once released: a change is a new entry at the end. The
 * database records which versions it has applied (`schema_migrations`).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'sources, commits, bundles, versions',
    sql: `
      CREATE TABLE sources (
        name        TEXT PRIMARY KEY,
        url         TEXT NOT NULL,
        branch      TEXT NOT NULL,
        last_commit TEXT,
        updated_at  TEXT NOT NULL
      );
      CREATE TABLE commits_seen (
        source  TEXT NOT NULL REFERENCES sources(name),
        oid     TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        cut     INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (source, oid)
      );
      CREATE TABLE bundles (
        name       TEXT PRIMARY KEY,
        source     TEXT NOT NULL,
        repository TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE versions (
        bundle        TEXT NOT NULL REFERENCES bundles(name),
        version       TEXT NOT NULL,
        major         INTEGER NOT NULL,
        minor         INTEGER NOT NULL,
        patch         INTEGER NOT NULL,
        digest        TEXT NOT NULL,
        commit_oid    TEXT NOT NULL,
        parent        TEXT,
        created_at    TEXT NOT NULL,
        config        TEXT NOT NULL,
        PRIMARY KEY (bundle, version)
      );
      CREATE INDEX versions_by_order ON versions(bundle, major DESC, minor DESC, patch DESC);
    `,
  },
  {
    version: 2,
    name: 'release journal, leases, channel history, quarantine',
    sql: `
      CREATE TABLE releases (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        bundle         TEXT NOT NULL,
        cluster        TEXT NOT NULL,
        environment    TEXT,
        version        TEXT NOT NULL,
        digest         TEXT NOT NULL,
        from_version   TEXT,
        from_digest    TEXT,
        state          TEXT NOT NULL,
        reason         TEXT,
        failed_object  TEXT,
        started_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL,
        finished_at    TEXT
      );
      CREATE INDEX releases_by_target ON releases(bundle, cluster, id DESC);
      CREATE INDEX releases_open ON releases(state) WHERE finished_at IS NULL;
      CREATE TABLE release_steps (
        release_id INTEGER NOT NULL REFERENCES releases(id),
        seq        INTEGER NOT NULL,
        at         TEXT NOT NULL,
        state      TEXT NOT NULL,
        message    TEXT NOT NULL,
        data       TEXT,
        PRIMARY KEY (release_id, seq)
      );
      CREATE TABLE leases (
        bundle     TEXT NOT NULL,
        cluster    TEXT NOT NULL,
        holder     TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (bundle, cluster)
      );
      CREATE TABLE quarantine (
        bundle     TEXT NOT NULL,
        version    TEXT NOT NULL,
        environment TEXT NOT NULL,
        reason     TEXT NOT NULL,
        at         TEXT NOT NULL,
        PRIMARY KEY (bundle, version, environment)
      );
    `,
  },
];
