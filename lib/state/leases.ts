/**
 * One release at a time per bundle x cluster: a lease with an expiry. A
 * holder renews it while it works; a crashed holder's lease simply expires,
 * so nothing stays locked after a crash.
 */
import { ConflictError } from '../errors/errors.ts';
import type { StateDb } from './open.ts';

export interface Lease {
  bundle: string;
  cluster: string;
  holder: string;
  expiresAt: number;
}

/**
 * Takes the lease if free, expired, already ours, or held by a process known
 * to be dead (`isHolderDead`, e.g. a pid on this host that no longer exists);
 * otherwise ConflictError naming the holder.
 */
export function acquireLease(
  db: StateDb,
  {
    bundle,
    cluster,
    holder,
    ttlMs,
    now = Date.now(),
    isHolderDead = () => false,
  }: {
    bundle: string;
    cluster: string;
    holder: string;
    ttlMs: number;
    now?: number;
    isHolderDead?: (holder: string) => boolean;
  },
): Lease {
  return db
    .transaction(() => {
      const cur = db
        .prepare('SELECT holder, expires_at FROM leases WHERE bundle = ? AND cluster = ?')
        .get(bundle, cluster) as { holder: string; expires_at: number } | undefined;
      if (cur && cur.holder !== holder && cur.expires_at > now && !isHolderDead(cur.holder)) {
        throw new ConflictError(
          `${bundle} on ${cluster} is being released by ${cur.holder} (lease until ${new Date(cur.expires_at).toISOString()})`,
          {
            data: { bundle, cluster, holder: cur.holder, expiresAt: cur.expires_at },
          },
        );
      }
      db.prepare(
        'INSERT INTO leases (bundle, cluster, holder, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(bundle, cluster) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at',
      ).run(bundle, cluster, holder, now + ttlMs);
      return { bundle, cluster, holder, expiresAt: now + ttlMs };
    })
    .immediate();
}

export function renewLease(db: StateDb, lease: Lease, ttlMs: number, now = Date.now()): void {
  const r = db
    .prepare('UPDATE leases SET expires_at = ? WHERE bundle = ? AND cluster = ? AND holder = ?')
    .run(now + ttlMs, lease.bundle, lease.cluster, lease.holder);
  if (r.changes === 0)
    throw new ConflictError(`lost the lease on ${lease.bundle} on ${lease.cluster}`, { data: { ...lease } });
}

export function releaseLease(db: StateDb, lease: Lease): void {
  db.prepare('DELETE FROM leases WHERE bundle = ? AND cluster = ? AND holder = ?').run(
    lease.bundle,
    lease.cluster,
    lease.holder,
  );
}

export function activeLeases(db: StateDb, now = Date.now()): Lease[] {
  return (
    db.prepare('SELECT bundle, cluster, holder, expires_at FROM leases WHERE expires_at > ?').all(now) as {
      bundle: string;
      cluster: string;
      holder: string;
      expires_at: number;
    }[]
  ).map((l) => ({
    bundle: l.bundle,
    cluster: l.cluster,
    holder: l.holder,
    expiresAt: l.expires_at,
  }));
}
