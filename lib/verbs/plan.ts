/**
 * `drover deploy|promote|rollback --dry-run`, the API's `POST /api/v1/plan`
 * and the dashboard's confirm pages: what a rollout would do, with what
 * each cluster would change (a server-side dry run), and the refusal that
 * applies; nothing is written to the registry, the clusters or the journal.
 * The plan's id can be posted back with the action (`shown`), which is
 * refused as stale if what the plan was made from changed meanwhile.
 *
 * @example
 *   const plan = await planMove({ ws, bundle: 'web', environment: 'prod', reason: 'promote' });
 *   plan.version // '1.0.2': what staging runs healthy
 */
import type { RolloutPlan } from '../rollout/plan.ts';
import { planRollout, type PlanRolloutOptions } from '../rollout/plan-rollout.ts';
import type { Workspace } from '../workspace/workspace.ts';

export function planMove({
  ws,
  preview = true,
  ...request
}: PlanRolloutOptions & { ws: Workspace }): Promise<RolloutPlan> {
  return planRollout(ws, { ...request, preview });
}
