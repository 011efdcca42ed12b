/**
 * Opens Drover's SQLite state (better-sqlite3): WAL journal, synchronous=FULL
 * so a step recorded before it runs survives a crash, foreign keys on, and
 * every pending migration applied in one transaction each.
 *
 * Several processes write one state (`drover serve` and CLI verbs, or CLI
 * verbs run at once), so every write transaction in lib/state is IMMEDIATE
 * (`db.transaction(fn).immediate()`): it takes the write lock when it
 * begins and waits for it up to `busy_timeout`. A deferred one that reads
 * first fails at once with "database is locked" when another process wrote
 * since its read (SQLite cannot upgrade a stale snapshot, and does not wait).
 *
 * The state is a journal and an index, not the source of truth: Git, the
 * registry and the clusters are. Deleting it loses history, not releases.
 *
 * It is private to the user Drover runs as: its folder (`.drover/` by
 * default), when Drover creates it, is made 0700 (an existing folder keeps
 * its mode), and the database is created 0600 before SQLite opens it, so
 * the -wal and -shm files SQLite makes beside it take the same mode (its
 * unix VFS gives them the database file's permissions). A database or
 * -wal/-shm left looser by an older Drover is tightened to 0600.
 *
 * @example
 *   const db = openState({ path: '.drover/state.db' });
 */
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DroverError, UnavailableError } from '../errors/errors.ts';
import { makePrivateDir, makePrivateFile } from '../foundation/private-files.ts';
import { type Migration, migrations as allMigrations } from './migrations.ts';

export type StateDb = Database.Database;

export interface OpenStateOptions {
  /** File path, or `:memory:` for tests of pure bookkeeping. */
  path: string;
  migrations?: readonly Migration[];
}

export function openState({ path, migrations = allMigrations }: OpenStateOptions): StateDb {
  let db: StateDb;
  try {
    if (path !== ':memory:') makeStateFiles(path);
    db = new Database(path);
  } catch (err) {
    throw new UnavailableError(`cannot open state database ${path}: ${(err as Error).message}`, {
      data: { path },
      cause: err,
    });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations, path);
  return db;
}

/** The database's folder (0700 when made here) and the database 0600, with any -wal, -shm or -journal already there. */
function makeStateFiles(path: string): void {
  makePrivateDir({ path: dirname(path) });
  makePrivateFile({ path });
  for (const suffix of ['-wal', '-shm', '-journal']) makePrivateFile({ path: `${path}${suffix}`, create: false });
}

function migrate(db: StateDb, migrations: readonly Migration[], path: string): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const newest = Math.max(0, ...applied);
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (newest > known) {
    throw new DroverError(
      `state database ${path} is at schema ${newest}, newer than this Drover knows (${known}); upgrade Drover`,
      {
        data: { path, schema: newest, known },
      },
    );
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    }).immediate();
  }
}
