/**
 * A pod behind a Service keeps receiving requests for a moment after it is
 * told to stop (endpoints update asynchronously). Without a preStop hook to
 * wait that out and a grace period longer than the default 30 s, rollouts
 * and node drains drop requests.
 */
import { finding, LONG_RUNNING, servicesSelecting, workloads, type LintRule } from './rule.ts';

const DEFAULT_GRACE_SECONDS = 30;

export const servingWithoutGracefulShutdown: LintRule = {
  id: 'serving-without-graceful-shutdown',
  description:
    'A workload selected by a Service has no preStop hook and the default or a shorter termination grace period.',
  check: (ctx) =>
    workloads(ctx, LONG_RUNNING).flatMap((w) => {
      const services = servicesSelecting(ctx, w);
      if (services.length === 0) return [];
      const preStop = (w.template.spec.containers ?? []).some((c) => c.lifecycle?.preStop !== undefined);
      const grace = w.template.spec.terminationGracePeriodSeconds;
      if (preStop || (typeof grace === 'number' && grace > DEFAULT_GRACE_SECONDS)) return [];
      const names = services.map((s) => s.metadata.name).join(', ');
      return [
        finding(
          'serving-without-graceful-shutdown',
          w,
          `serves Service ${names} but has no preStop hook and terminationGracePeriodSeconds ${grace ?? `${DEFAULT_GRACE_SECONDS} (default)`}: requests are dropped on rollout and drain`,
        ),
      ];
    }),
};
