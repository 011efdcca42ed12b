/** A priority class decides who is preempted, not who is evicted under pressure; without requests a high-priority pod is still BestEffort. */
import { containersWithoutRequests, finding, workloads, type LintRule } from './rule.ts';

export const priorityClassWithoutRequests: LintRule = {
  id: 'priority-class-without-requests',
  description:
    'A priorityClassName is set on pods whose containers have no resource requests (priority used as if it were QoS).',
  check: (ctx) =>
    workloads(ctx).flatMap((w) => {
      const pc = w.template.spec.priorityClassName;
      const missing = containersWithoutRequests(w);
      if (!pc || missing.length === 0) return [];
      return [
        finding(
          'priority-class-without-requests',
          w,
          `priorityClassName ${pc} is set but container(s) ${missing.join(', ')} have no requests: priority decides preemption, requests decide QoS`,
        ),
      ];
    }),
};
