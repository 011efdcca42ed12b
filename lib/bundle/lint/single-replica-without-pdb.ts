/** One replica and no PodDisruptionBudget: every node drain or upgrade is an outage, and nothing tells the cluster so. */
import { finding, pdbsSelecting, REPLICATED, replicaRange, workloads, type LintRule } from './rule.ts';

export const singleReplicaWithoutPdb: LintRule = {
  id: 'single-replica-without-pdb',
  description: 'A workload runs one replica and no PodDisruptionBudget covers it.',
  check: (ctx) =>
    workloads(ctx, REPLICATED).flatMap((w) => {
      const { min } = replicaRange(ctx, w);
      if (min !== 1 || pdbsSelecting(ctx, w).length > 0) return [];
      return [
        finding(
          'single-replica-without-pdb',
          w,
          'runs 1 replica and no PodDisruptionBudget selects it: a node drain takes it down',
        ),
      ];
    }),
};
