/** Spot nodes are reclaimed together; a workload that tolerates them must spread, or one reclaim takes every replica. */
import { finding, hasSpread, REPLICATED, workloads, type LintRule } from './rule.ts';

/** Taint keys that mark spot or preemptible capacity on the common providers. */
export const SPOT_TAINT_KEYS: readonly string[] = [
  'kubernetes.azure.com/scalesetpriority',
  'cloud.google.com/gke-spot',
  'cloud.google.com/gke-preemptible',
  'eks.amazonaws.com/capacityType',
  'karpenter.sh/capacity-type',
];

function toleratesSpot(t: { key?: string; operator?: string }): boolean {
  if (t.key === undefined || t.key === '') return t.operator === 'Exists';
  return SPOT_TAINT_KEYS.includes(t.key) || /spot|preemptible/i.test(t.key);
}

export const spotTolerationWithoutSpread: LintRule = {
  id: 'spot-toleration-without-spread',
  description: 'A workload tolerates a spot-node taint but has no podAntiAffinity or topologySpreadConstraints.',
  check: (ctx) =>
    workloads(ctx, REPLICATED).flatMap((w) => {
      const spot = (w.template.spec.tolerations ?? []).filter(
        (t) => typeof t === 'object' && t !== null && toleratesSpot(t),
      );
      if (spot.length === 0 || hasSpread(w)) return [];
      const keys = spot.map((t) => t.key || '(all taints)').join(', ');
      return [
        finding(
          'spot-toleration-without-spread',
          w,
          `tolerates spot taint ${keys} with no podAntiAffinity or topologySpreadConstraints: one reclaim can take every replica`,
        ),
      ];
    }),
};
