/**
 * Everything a rollout checks about where its version came from, before
 * anything is pulled for applying: the hub's history of cut versions
 * (history-gate.ts, no request) and then, where the environment requires
 * it, the signature (signature-gate.ts). The first refusal is the plan's
 * refusal; `runRollout` journals it, and the daemon's tag following asks
 * again here before it tries a refused digest a second time.
 *
 * @example
 *   const refusal = await trustRefusal({ ws, plan, signal }); // undefined: go ahead
 */
import type { Workspace } from '../workspace/workspace.ts';
import { historyRefusal } from './history-gate.ts';
import type { PlanRefusal, RolloutPlan } from './plan.ts';
import { signatureRefusal } from './signature-gate.ts';

/** The refusal reasons of these gates: a version not trusted, never a cluster's or the state's doing. */
export const TRUST_REFUSALS: readonly string[] = ['NotCutHere', 'SignatureRefused'];

export async function trustRefusal({
  ws,
  plan,
  signal,
}: {
  ws: Workspace;
  plan: Pick<RolloutPlan, 'bundle' | 'environment' | 'cluster' | 'version' | 'digest' | 'channel'>;
  signal?: AbortSignal | undefined;
}): Promise<PlanRefusal | undefined> {
  return historyRefusal({ db: ws.db, plan }) ?? (await signatureRefusal({ ws, plan, signal }));
}

/**
 * How a trust refusal is counted in `drover_verify_refused_total{reason}`:
 * `not-cut-here`, or the signature's reason (`unsigned`, `untrusted-key`...);
 * undefined for any other refusal.
 */
export function verifyRefusalLabel(refusal: Pick<PlanRefusal, 'reason' | 'data'> | undefined): string | undefined {
  if (refusal?.reason === 'NotCutHere') return 'not-cut-here';
  if (refusal?.reason !== 'SignatureRefused') return undefined;
  const why = refusal.data.signature;
  return typeof why === 'string' ? why : 'unknown';
}
