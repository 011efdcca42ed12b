/**
 * `drover deploy B@V (--env E | --cluster C) [--dry-run]`: release a version
 * to an environment's clusters in its waves (its channel tag moves to it,
 * and back if the rollout does not end healthy), or to one cluster (no tag
 * moves: that cluster then differs from its environment's tag until the
 * next release there). The plan is made first (lib/rollout/plan-rollout.ts)
 * and carried out by the rollout engine, which returns one outcome.
 *
 * @example
 *   const r = await deployVersion({ ws, bundle: 'web', version: '1.0.2', environment: 'dev' });
 *   r.outcome // 'healthy'
 */
import type { OnEvent } from '../progress.ts';
import { confirmPlan } from '../rollout/confirm-plan.ts';
import type { RolloutResult } from '../rollout/outcome.ts';
import type { RolloutPlan, RolloutRequest } from '../rollout/plan.ts';
import { planRollout } from '../rollout/plan-rollout.ts';
import { runRollout } from '../rollout/run-rollout.ts';
import type { Workspace } from '../workspace/workspace.ts';

export type DeployResult = RolloutResult;

export interface DeployOptions {
  ws: Workspace;
  bundle: string;
  /** A version, or a digest. */
  version: string;
  environment?: string | undefined;
  cluster?: string | undefined;
  /** The plan a person was shown and confirmed: refused as stale if what it was made from changed. */
  shown?: RolloutPlan | undefined;
  onEvent?: OnEvent | undefined;
  signal?: AbortSignal | undefined;
}

/** Plans a request, holds it against the plan shown (if any), and carries it out: every verb that moves an environment ends here. */
export async function planAndRun({
  ws,
  request,
  shown,
  onEvent,
  signal,
}: {
  ws: Workspace;
  request: RolloutRequest;
  shown?: RolloutPlan | undefined;
  onEvent?: OnEvent | undefined;
  signal?: AbortSignal | undefined;
}): Promise<RolloutResult> {
  // One store for the plan and its run: the version the plan pulled is not pulled again.
  const store = ws.versions(request.bundle, { signal });
  const now = await planRollout(ws, { ...request, store, readInventories: shown !== undefined, signal });
  return runRollout(shown ? confirmPlan(shown, now) : now, { ws, store, onEvent, signal });
}

export function deployVersion({ ws, shown, onEvent, signal, ...request }: DeployOptions): Promise<DeployResult> {
  return planAndRun({ ws, request: { ...request, reason: 'deploy' }, shown, onEvent, signal });
}
