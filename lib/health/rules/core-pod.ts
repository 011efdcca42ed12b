/**
 * Health of a core/Pod: Current when it has succeeded, or runs with
 * Ready=True; Failed when its phase is Failed or a container is in a state
 * that will not fix itself (crash loop, image that cannot be pulled, missing
 * config; see container-state.ts), as kstatus does for crash loops; InProgress
 * while pending or not yet ready. An unschedulable Pod is InProgress here: the
 * scheduler may still find room, and only the caller knows how long it has
 * waited (fatal.ts reports it as a non-fatal finding).
 *
 * @example
 *   podHealth(pod) // => { status: 'Failed', message: 'container "app" is crash-looping (restarted 3 times; last exit code 1, Error)', reason: 'CrashLoopBackOff' }
 */
import type { KubeObject } from '../../object/ref.ts';
import { conditionOf, isFalse, isTrue } from '../conditions.ts';
import { containerProblems, containerStatusesOf } from '../container-state.ts';
import { current, failed, inProgress, type HealthResult } from '../status.ts';

interface PodView {
  status?: { phase?: string; reason?: string; message?: string };
}

export function podHealth(obj: KubeObject): HealthResult {
  const { status = {} } = obj as PodView;
  const phase = status.phase;
  if (phase === 'Succeeded') return current('Pod completed successfully', 'PodSucceeded');
  if (phase === 'Failed') return failed(`Pod failed${podFailureDetail(obj)}`, status.reason ?? 'PodFailed');

  const problem = containerProblems(obj)[0];
  if (problem) return failed(problem.message, problem.reason);

  if (phase === 'Running') {
    const ready = conditionOf(obj, 'Ready');
    if (isTrue(ready)) return current('Pod is running and ready');
    return inProgress(`Waiting for the Pod to be ready${ready?.message ? `: ${ready.message}` : ''}`, 'PodNotReady');
  }

  const scheduled = conditionOf(obj, 'PodScheduled');
  if (isFalse(scheduled)) {
    return inProgress(
      `Waiting for the Pod to be scheduled${scheduled?.message ? `: ${scheduled.message}` : ''}`,
      scheduled?.reason ?? 'PodNotScheduled',
    );
  }
  const waiting = containerStatusesOf(obj).find((c) => c.status.state?.waiting?.reason);
  const why = waiting ? `: container "${waiting.status.name}" is ${waiting.status.state?.waiting?.reason}` : '';
  return inProgress(`Waiting for the Pod to start${why}`, 'PodPending');
}

function podFailureDetail(obj: KubeObject): string {
  const { status = {} } = obj as PodView;
  if (status.reason || status.message) return `: ${[status.reason, status.message].filter(Boolean).join(': ')}`;
  const exited = containerStatusesOf(obj).find((c) => (c.status.state?.terminated?.exitCode ?? 0) !== 0);
  const t = exited?.status.state?.terminated;
  if (!exited || !t) return '';
  return `: container "${exited.status.name}" exited with code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}`;
}
