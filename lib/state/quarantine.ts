/**
 * Quarantine: a version rolled back from an environment is never advanced to
 * again by automation, until a newer version of the bundle is cut. A person
 * can still deploy or promote it by naming it explicitly.
 */
import type { StateDb } from './open.ts';

export function quarantineVersion(
  db: StateDb,
  { bundle, version, environment, reason }: { bundle: string; version: string; environment: string; reason: string },
): void {
  db.prepare(
    'INSERT INTO quarantine (bundle, version, environment, reason, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET reason = excluded.reason, at = excluded.at',
  ).run(bundle, version, environment, reason, new Date().toISOString());
}

export function isQuarantined(
  db: StateDb,
  { bundle, version, environment }: { bundle: string; version: string; environment: string },
): boolean {
  return (
    db
      .prepare('SELECT 1 FROM quarantine WHERE bundle = ? AND version = ? AND environment = ?')
      .get(bundle, version, environment) !== undefined
  );
}

export interface QuarantineRecord {
  bundle: string;
  version: string;
  environment: string;
  reason: string;
  at: string;
}

export function listQuarantine(db: StateDb, bundle?: string): QuarantineRecord[] {
  return db
    .prepare(
      'SELECT bundle, version, environment, reason, at FROM quarantine WHERE (? IS NULL OR bundle = ?) ORDER BY at',
    )
    .all(bundle ?? null, bundle ?? null) as {
    bundle: string;
    version: string;
    environment: string;
    reason: string;
    at: string;
  }[];
}
