/** Several replicas with no anti-affinity or topology spread may all land on one node: one node lost (or one spot reclaim) takes them all. */
import { finding, hasSpread, REPLICATED, replicaRange, workloads, type LintRule } from './rule.ts';

export const replicasWithoutSpread: LintRule = {
  id: 'replicas-without-spread',
  description: 'A workload runs more than one replica with no podAntiAffinity or topologySpreadConstraints.',
  check: (ctx) =>
    workloads(ctx, REPLICATED).flatMap((w) => {
      const { max } = replicaRange(ctx, w);
      if (max <= 1 || hasSpread(w)) return [];
      return [
        finding(
          'replicas-without-spread',
          w,
          `may run ${max} replicas with no podAntiAffinity or topologySpreadConstraints: they can all land on one node`,
        ),
      ];
    }),
};
