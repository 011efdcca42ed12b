/**
 * How long health verification waits before its next poll. Rollouts on a
 * responsive cluster finish within a second, so a fixed one-second interval
 * rounds most verifications (and every restore after a failure) up to whole
 * seconds; polls start at `firstMs` and double up to `maxMs`, so a quick
 * rollout is seen quickly and a long one costs no more requests than a
 * steady `maxMs` poll (five extra polls in all).
 *
 * @example
 *   pollDelayMs(0) // 100
 *   pollDelayMs(3) // 800
 *   pollDelayMs(9) // 1000
 */
export function pollDelayMs(
  attempt: number,
  { firstMs = 100, maxMs = 1000 }: { firstMs?: number; maxMs?: number } = {},
): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, attempt));
}
