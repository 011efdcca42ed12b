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
];
