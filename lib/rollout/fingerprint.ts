/**
 * Whether a plan shown to a person (the dashboard's confirm page, an API
 * client holding a plan id) is still true when it is confirmed: the same
 * request planned again must have the same fingerprint: the version's
 * digest, every environment's channel tag, each cluster's inventory (what
 * it runs). Live drift is not in the fingerprint, so a drifted field alone
 * never makes a plan stale. Pure; each difference is said in words.
 *
 * @example
 *   staleReasons(shown.fingerprint, now.fingerprint)
 *   // ['the prod tag moved from sha256:1a2b… to sha256:3c4d…']
 */
import type { RolloutFingerprint } from './plan.ts';

const short = (d: string | null | undefined): string => (d ? `${d.slice(0, 19)}…` : 'nothing');

/** What changed between the plan shown and the plan now, in words; empty: it still holds. */
export function staleReasons(shown: RolloutFingerprint, now: RolloutFingerprint): string[] {
  const out: string[] = [];
  if (shown.digest !== now.digest)
    out.push(`the version is now ${short(now.digest)} (the plan showed ${short(shown.digest)})`);
  for (const env of new Set([...Object.keys(shown.tags), ...Object.keys(now.tags)])) {
    const a = shown.tags[env] ?? null;
    const b = now.tags[env] ?? null;
    if (a !== b) out.push(`the ${env} tag moved from ${short(a)} to ${short(b)}`);
  }
  // A cluster not read on one side is not compared: an unreachable cluster is the rollout's to report.
  for (const [cluster, a] of Object.entries(shown.inventories)) {
    if (!(cluster in now.inventories)) continue;
    const b = now.inventories[cluster] ?? null;
    if (a !== b) out.push(`${cluster} now runs ${short(b)} (the plan showed ${short(a)})`);
  }
  return out;
}
