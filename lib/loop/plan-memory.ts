/**
 * The plans the daemon has shown (the dashboard's confirm pages, the API's
 * `POST /api/v1/plan`), by id, so an action can post a plan's id and be held
 * against what was shown (lib/rollout/confirm-plan.ts). A plan is kept for
 * a while and a bounded number of them, oldest dropped first: an id that is
 * no longer known is refused, and the person plans again.
 *
 * @example
 *   const plans = createPlanMemory();
 *   plans.remember(plan);
 *   plans.recall(plan.id) // the plan, or a ConflictError once it has expired
 */
import { ConflictError } from '../errors/errors.ts';
import type { RolloutPlan } from '../rollout/plan.ts';

export interface PlanMemory {
  remember(plan: RolloutPlan): void;
  /** The plan shown under this id; ConflictError when it is unknown or expired. */
  recall(id: string): RolloutPlan;
}

export function createPlanMemory({
  ttlMs = 15 * 60_000,
  max = 500,
  now = Date.now,
}: { ttlMs?: number; max?: number; now?: () => number } = {}): PlanMemory {
  const plans = new Map<string, { plan: RolloutPlan; at: number }>();
  return {
    remember(plan) {
      plans.delete(plan.id);
      plans.set(plan.id, { plan, at: now() });
      for (const id of plans.keys()) {
        if (plans.size <= max) break;
        plans.delete(id);
      }
    },
    recall(id) {
      const kept = plans.get(id);
      if (!kept || now() - kept.at > ttlMs)
        throw new ConflictError(`plan ${id} is unknown or expired: look at the plan again and confirm that one`, {
          data: { reason: 'PlanUnknown', plan: id },
        });
      return kept.plan;
    },
  };
}
