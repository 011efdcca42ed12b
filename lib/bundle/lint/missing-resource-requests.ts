/** Containers without requests are scheduled as if free and are the first evicted (BestEffort QoS when no container has any). */
import { containersWithoutRequests, finding, workloads, type LintRule } from './rule.ts';

export const missingResourceRequests: LintRule = {
  id: 'missing-resource-requests',
  description: 'A container sets no cpu or memory requests (BestEffort QoS when none does).',
  check: (ctx) =>
    workloads(ctx).flatMap((w) => {
      const missing = containersWithoutRequests(w);
      if (missing.length === 0) return [];
      const bestEffort =
        missing.length === (w.template.spec.containers ?? []).length
          ? ' (BestEffort QoS: evicted first under node pressure)'
          : '';
      return [
        finding(
          'missing-resource-requests',
          w,
          `container(s) ${missing.join(', ')} set no cpu or memory requests${bestEffort}`,
        ),
      ];
    }),
};
