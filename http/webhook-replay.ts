/**
 * Replayed webhook deliveries, refused: the digest of each verified
 * delivery's signed bytes (provider, generic timestamp, body) is remembered
 * for ten minutes, and the same bytes again inside that window are a replay.
 * A push only wakes a fetch, so a replay could do no more than make Drover
 * fetch again; refusing it keeps a captured delivery from being a lever at
 * all. The memory is bounded (oldest forgotten first), and only deliveries
 * whose signature held are remembered, so nobody without the secret can
 * fill it. Pure apart from the clock the caller passes.
 *
 * @example
 *   const seen = createReplayGuard();
 *   seen.check({ provider: 'github', signed: [body], nowMs: Date.now() }); // 'fresh'
 *   seen.check({ provider: 'github', signed: [body], nowMs: Date.now() }); // 'replayed'
 */
import { createHash } from 'node:crypto';

export const REPLAY_WINDOW_MS = 10 * 60_000;

export interface ReplayGuard {
  /** Records the delivery and says whether its signed bytes were seen within the window. */
  check(args: { provider: string; signed: readonly (Uint8Array | string)[]; nowMs: number }): 'fresh' | 'replayed';
}

export function createReplayGuard({
  windowMs = REPLAY_WINDOW_MS,
  maxEntries = 10_000,
}: { windowMs?: number; maxEntries?: number } = {}): ReplayGuard {
  // Insertion order is time order: the oldest entries come first.
  const seen = new Map<string, number>();
  const forgetBefore = (nowMs: number) => {
    for (const [key, at] of seen) {
      if (at > nowMs - windowMs && seen.size <= maxEntries) break;
      seen.delete(key);
    }
  };
  return {
    check({ provider, signed, nowMs }) {
      forgetBefore(nowMs);
      const hash = createHash('sha256').update(provider).update('\0');
      for (const part of signed) hash.update(part).update('\0');
      const key = hash.digest('hex');
      if (seen.has(key)) return 'replayed';
      seen.set(key, nowMs);
      if (seen.size > maxEntries) forgetBefore(nowMs);
      return 'fresh';
    },
  };
}
