/**
 * Who holds a bundle x cluster lease while a release, a rollback, a recovery
 * or a retirement runs: this process, as `host/pid`, for a time-to-live the
 * holder renews; a lease whose holder on this host is a process that no
 * longer exists is taken over at once rather than waited out.
 */
import { hostname } from 'node:os';

export const LEASE_TTL_MS = 30_000;
export const engineIdentity = (): string => `${hostname()}/${process.pid}`;

/** True when a lease holder on this host is a process that no longer exists. */
export function isHolderDead(holder: string): boolean {
  const [host, pid] = holder.split('/');
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
