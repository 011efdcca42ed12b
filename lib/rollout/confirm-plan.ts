/**
 * A plan confirmed after it was shown (the dashboard's confirm page, an API
 * client posting a plan id): the request is planned again, and if what the
 * plan was made from changed meanwhile (fingerprint.ts) the new plan is
 * refused as stale, naming each difference, so nobody confirms a rollout
 * they did not see. Pure.
 *
 * @example
 *   confirmPlan(shown, await planRollout(ws, request)).refusal
 *   // { reason: 'Stale', message: 'the plan shown (plan-1a2b…) is stale: the prod tag moved from …', ... }
 */
import { staleReasons } from './fingerprint.ts';
import type { RolloutPlan } from './plan.ts';

export function confirmPlan(shown: RolloutPlan, now: RolloutPlan): RolloutPlan {
  if (now.refusal) return now;
  const differences = staleReasons(shown.fingerprint, now.fingerprint);
  if (differences.length === 0) return now;
  return {
    ...now,
    refusal: {
      reason: 'Stale',
      message: `the plan shown (${shown.id}) is stale, plan again: ${differences.join('; ')}`,
      data: { plan: shown.id, differences },
    },
  };
}
