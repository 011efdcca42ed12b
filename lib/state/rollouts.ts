/**
 * The rollout journal: one row per move of an environment (or one cluster)
 * to a version, begun when the move starts and ended with its one outcome
 * (lib/rollout/outcome.ts), as kapp records an app change. The per-cluster
 * releases under it stay in `releases`; this says what the move as a whole
 * came to, for history, the API and the dashboard.
 *
 * @example
 *   const id = beginRollout(db, { planId, bundle: 'web', reason: 'promote', environment: 'prod', version: '1.0.2', digest });
 *   endRollout(db, id, { outcome: 'healthy', failures: [] });
 */
import type { StateDb } from './open.ts';

export interface RolloutRecord {
  id: number;
  planId: string;
  bundle: string;
  reason: string;
  environment: string | null;
  cluster: string | null;
  version: string;
  digest: string;
  /** Null while it runs (or when the process stopped before it ended). */
  outcome: string | null;
  failures: unknown[];
  startedAt: string;
  finishedAt: string | null;
}

interface RolloutRow {
  id: number;
  plan_id: string;
  bundle: string;
  reason: string;
  environment: string | null;
  cluster: string | null;
  version: string;
  digest: string;
  outcome: string | null;
  failures: string;
  started_at: string;
  finished_at: string | null;
}

const rowToRollout = (r: RolloutRow): RolloutRecord => ({
  id: r.id,
  planId: r.plan_id,
  bundle: r.bundle,
  reason: r.reason,
  environment: r.environment,
  cluster: r.cluster,
  version: r.version,
  digest: r.digest,
  outcome: r.outcome,
  failures: JSON.parse(r.failures) as unknown[],
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export function beginRollout(
  db: StateDb,
  r: {
    planId: string;
    bundle: string;
    reason: string;
    environment?: string | undefined;
    cluster?: string | undefined;
    version: string;
    digest: string;
  },
): number {
  const info = db
    .prepare(
      'INSERT INTO rollouts (plan_id, bundle, reason, environment, cluster, version, digest, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(
      r.planId,
      r.bundle,
      r.reason,
      r.environment ?? null,
      r.cluster ?? null,
      r.version,
      r.digest,
      new Date().toISOString(),
    );
  return Number(info.lastInsertRowid);
}

export function endRollout(
  db: StateDb,
  id: number,
  { outcome, failures }: { outcome: string; failures: unknown[] },
): void {
  db.prepare('UPDATE rollouts SET outcome = ?, failures = ?, finished_at = ? WHERE id = ?').run(
    outcome,
    JSON.stringify(failures),
    new Date().toISOString(),
    id,
  );
}

/** A bundle's rollouts, newest first (to one environment when named). */
export function listRollouts(
  db: StateDb,
  { bundle, environment, limit = 50 }: { bundle: string; environment?: string | undefined; limit?: number },
): RolloutRecord[] {
  return (
    db
      .prepare('SELECT * FROM rollouts WHERE bundle = ? AND (? IS NULL OR environment = ?) ORDER BY id DESC LIMIT ?')
      .all(bundle, environment ?? null, environment ?? null, limit) as RolloutRow[]
  ).map(rowToRollout);
}
