/**
 * Health of a batch/Job: Current once Complete, Failed once the controller
 * has decided it failed (Failed, or FailureTarget while its Pods are still
 * terminating), InProgress otherwise. A suspended Job runs nothing until
 * resumed, so it is Current rather than awaited.
 *
 * @example
 *   jobHealth(job) // => { status: 'Failed', message: 'Job failed: BackoffLimitExceeded: Job has reached the specified backoff limit', reason: 'BackoffLimitExceeded' }
 */
import type { KubeObject } from '../../object/ref.ts';
import { conditionOf, describeCondition, isTrue } from '../conditions.ts';
import { current, failed, inProgress, type HealthResult } from '../status.ts';

interface JobView {
  spec?: { completions?: number; parallelism?: number; suspend?: boolean };
  status?: { succeeded?: number; active?: number; failed?: number };
}

export function jobHealth(obj: KubeObject): HealthResult {
  const { spec = {}, status = {} } = obj as JobView;
  const completions = spec.completions ?? spec.parallelism ?? 1;
  const succeeded = status.succeeded ?? 0;

  const complete = conditionOf(obj, 'Complete');
  if (isTrue(complete)) return current(`Job completed: ${succeeded}/${completions} succeeded`, complete?.reason);

  const failure = [conditionOf(obj, 'Failed'), conditionOf(obj, 'FailureTarget')].find(isTrue);
  if (failure)
    return failed(
      `Job failed${describeCondition(failure) ? `: ${describeCondition(failure)}` : ''}`,
      failure.reason ?? 'JobFailed',
    );

  if (isTrue(conditionOf(obj, 'Suspended')) || spec.suspend)
    return current('Job is suspended; it runs when resumed', 'JobSuspended');

  return inProgress(
    `Waiting for the Job to complete: ${succeeded}/${completions} succeeded, ${status.active ?? 0} active, ${status.failed ?? 0} failed`,
    'JobRunning',
  );
}
