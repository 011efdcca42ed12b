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
  {
    version: 3,
    name: 'drift findings and heals',
    sql: `
      CREATE TABLE drift_heals (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        bundle      TEXT NOT NULL,
        cluster     TEXT NOT NULL,
        version     TEXT NOT NULL,
        digest      TEXT NOT NULL,
        outcome     TEXT NOT NULL,
        reason      TEXT,
        release_id  INTEGER REFERENCES releases(id),
        refs        TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX drift_heals_by_target ON drift_heals(bundle, cluster, id DESC);
      CREATE TABLE drift_findings (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        bundle      TEXT NOT NULL,
        version     TEXT NOT NULL,
        digest      TEXT NOT NULL,
        cluster     TEXT NOT NULL,
        api_version TEXT NOT NULL,
        object_kind TEXT NOT NULL,
        namespace   TEXT NOT NULL,
        name        TEXT NOT NULL,
        ref         TEXT NOT NULL,
        kind        TEXT NOT NULL,
        fields      TEXT NOT NULL,
        detected_by TEXT NOT NULL,
        first_seen  TEXT NOT NULL,
        last_seen   TEXT NOT NULL,
        resolved_at TEXT,
        resolution  TEXT,
        heal_id     INTEGER REFERENCES drift_heals(id)
      );
      CREATE UNIQUE INDEX drift_findings_open ON drift_findings(bundle, cluster, api_version, object_kind, namespace, name) WHERE resolved_at IS NULL;
      CREATE INDEX drift_findings_by_target ON drift_findings(bundle, cluster, id DESC);
    `,
  },
  {
    version: 4,
    name: 'kubernetes events per bundle, version and cluster',
    sql: `
      CREATE TABLE kube_events (
        cluster          TEXT NOT NULL,
        uid              TEXT NOT NULL,
        bundle           TEXT NOT NULL,
        version          TEXT,
        member           TEXT NOT NULL,
        object           TEXT NOT NULL,
        object_uid       TEXT,
        type             TEXT NOT NULL,
        reason           TEXT NOT NULL,
        message          TEXT NOT NULL,
        source           TEXT NOT NULL,
        count            INTEGER NOT NULL,
        first_at         TEXT NOT NULL,
        last_at          TEXT NOT NULL,
        resource_version TEXT NOT NULL,
        gathered_at      TEXT NOT NULL,
        PRIMARY KEY (cluster, uid, bundle)
      );
      CREATE INDEX kube_events_by_bundle ON kube_events(bundle, version, cluster);
    `,
  },
  {
    version: 5,
    name: 'bundles that left their source; retirements in the journal',
    sql: `
      ALTER TABLE bundles ADD COLUMN left_commit TEXT;
      ALTER TABLE bundles ADD COLUMN left_at TEXT;
      ALTER TABLE releases ADD COLUMN kind TEXT NOT NULL DEFAULT 'release';
    `,
  },
  {
    version: 6,
    name: 'the digest Drover last set or followed on each channel tag',
    sql: `
      CREATE TABLE channel_marks (
        bundle      TEXT NOT NULL,
        environment TEXT NOT NULL,
        digest      TEXT NOT NULL,
        at          TEXT NOT NULL,
        PRIMARY KEY (bundle, environment)
      );
    `,
  },
  {
    version: 7,
    name: 'what each channel tag was last read to name, and when',
    sql: `
      CREATE TABLE channel_reads (
        bundle      TEXT NOT NULL,
        environment TEXT NOT NULL,
        digest      TEXT,
        read_at     TEXT NOT NULL,
        PRIMARY KEY (bundle, environment)
      );
    `,
  },
  {
    version: 8,
    name: 'rollouts: one row per move of an environment (or a cluster) to a version, begun then ended with one outcome',
    sql: `
      CREATE TABLE rollouts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        plan_id     TEXT NOT NULL,
        bundle      TEXT NOT NULL,
        reason      TEXT NOT NULL,
        environment TEXT,
        cluster     TEXT,
        version     TEXT NOT NULL,
        digest      TEXT NOT NULL,
        outcome     TEXT,
        failures    TEXT NOT NULL DEFAULT '[]',
        started_at  TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX rollouts_by_bundle ON rollouts (bundle, environment, id);
    `,
  },
  {
    version: 9,
    name: 'agent protocol 2: the last sequence accepted of each signed document (an index, a status)',
    sql: `
      CREATE TABLE accepted_sequences (
        kind        TEXT NOT NULL,
        subject     TEXT NOT NULL,
        sequence    INTEGER NOT NULL,
        accepted_at TEXT NOT NULL,
        PRIMARY KEY (kind, subject)
      );
    `,
  },
];
