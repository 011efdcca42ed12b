/** Long-running containers without a readiness probe receive traffic before they can serve it, and rollouts cannot tell a broken version from a good one. */
import { finding, LONG_RUNNING, workloads, type LintRule } from './rule.ts';

export const missingReadinessProbe: LintRule = {
  id: 'missing-readiness-probe',
  description: 'A long-running container has no readiness probe.',
  check: (ctx) =>
    workloads(ctx, LONG_RUNNING).flatMap((w) => {
      const missing = (w.template.spec.containers ?? [])
        .filter((c) => c.readinessProbe === undefined)
        .map((c) => c.name ?? '(unnamed)');
      return missing.length === 0
        ? []
        : [finding('missing-readiness-probe', w, `container(s) ${missing.join(', ')} have no readinessProbe`)];
    }),
};
