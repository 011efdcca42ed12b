/**
 * Which versions a rollout quarantines in its environment, so automation
 * never brings them back (a newer version, or a person naming one, moves
 * things on). Pure; `runRollout` writes what it returns.
 *
 * - A version that failed (a cluster's release rolled back, or its rollback
 *   failed) is quarantined when automation chose it: the loop's own deploy
 *   or promotion, or a tag moved outside Drover that the hub followed. A
 *   person who deploys a failing version by hand is not second-guessed.
 * - A healthy move back is a rollback: the version rolled away from is
 *   quarantined (`drover rollback`, or a tag moved back to an older version
 *   outside Drover and followed).
 *
 * @example
 *   quarantineAfter({ plan, outcome: 'healthy', clusters, newer: gt })
 *   // [{ version: '1.0.2', reason: 'rolled back to 1.0.1' }]
 */
import type { ClusterOutcome } from '../release/fanout.ts';
import type { RolloutOutcome } from './outcome.ts';
import type { RolloutPlan } from './plan.ts';

export interface Quarantine {
  version: string;
  reason: string;
}

export function quarantineAfter({
  plan,
  outcome,
  clusters,
  newer,
}: {
  plan: RolloutPlan;
  outcome: RolloutOutcome;
  clusters: readonly ClusterOutcome[];
  newer: (a: string, b: string) => boolean;
}): Quarantine[] {
  const env = plan.environment;
  const version = plan.version;
  if (!env || !version) return [];
  if (outcome === 'healthy') return movedBack(plan, env, version, newer);
  const versionFailed = clusters.filter((c) => c.state === 'rolled-back' || c.state === 'rollback-failed');
  if (versionFailed.length === 0 || !(plan.automated || plan.reason === 'follow')) return [];
  const why = clusters
    .filter((c) => c.state === 'rolled-back' || c.state === 'rollback-failed' || c.state === 'error')
    .map((c) => `${c.cluster}: ${c.reason ?? c.message ?? c.state}`)
    .join('; ');
  return [
    {
      version,
      reason:
        plan.reason === 'follow'
          ? `the ${env} tag was moved to it outside Drover; the rollout failed and was rolled back: ${why}`
          : `automatic ${plan.reason} failed and was rolled back: ${why}`,
    },
  ];
}

function movedBack(
  plan: RolloutPlan,
  env: string,
  version: string,
  newer: (a: string, b: string) => boolean,
): Quarantine[] {
  if (plan.reason === 'rollback') {
    const left = plan.channel?.namesVersion;
    return left && left !== version ? [{ version: left, reason: `rolled back to ${version}` }] : [];
  }
  if (plan.reason === 'follow' && plan.channel?.mode === 'move') {
    const left = plan.runs?.version;
    return left && left !== version && newer(left, version)
      ? [{ version: left, reason: `the ${env} tag was moved back to ${version} outside Drover` }]
      : [];
  }
  return [];
}
