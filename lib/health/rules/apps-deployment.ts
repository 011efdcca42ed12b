/**
 * Health of an apps/Deployment. Failed once the controller gives up
 * (Progressing=False, reason ProgressDeadlineExceeded) while replicas of the
 * current template are missing (a deadline the controller has not yet
 * cleared after a rollback to replicas that are all there is waited for,
 * not failed); Current when every
 * replica runs the new template and is ready and available, no old replica is
 * left, and the controller says the new ReplicaSet is available. A paused
 * Deployment is Current: nothing will roll out until someone resumes it, so
 * waiting for it could only time out.
 *
 * @example
 *   deploymentHealth(dep) // => { status: 'InProgress', message: 'Waiting for 2/3 replicas to be ready', reason: 'ReplicasNotReady' }
 */
import type { KubeObject } from '../../object/ref.ts';
import { conditionOf, isFalse } from '../conditions.ts';
import { current, failed, inProgress, type HealthResult } from '../status.ts';
import { plural } from '../text.ts';

interface DeploymentView {
  spec?: { replicas?: number; paused?: boolean; progressDeadlineSeconds?: number };
  status?: { replicas?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number };
}

// The controller's "no deadline" value: it then never reports NewReplicaSetAvailable.
const NO_DEADLINE = 2147483647;

/**
 * Every replica runs the current template, ready and available, and no old one is left: the rollout is
 * done whatever the Progressing condition still says.
 */
function rolledOut({ spec = {}, status = {} }: DeploymentView): boolean {
  const want = spec.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  return (
    updated >= want &&
    (status.replicas ?? 0) <= updated &&
    (status.readyReplicas ?? 0) >= want &&
    (status.availableReplicas ?? 0) >= want
  );
}

export function deploymentHealth(obj: KubeObject): HealthResult {
  const { spec = {}, status = {} } = obj as DeploymentView;
  const progressing = conditionOf(obj, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    // Rolled back to a template whose replicas are all there (a rollback after a failed rollout), the
    // controller can still show the failed ReplicaSet's deadline for a moment: wait for it, do not fail.
    if (rolledOut(obj as DeploymentView))
      return inProgress(
        `Waiting for the controller to report the rollout done (it still says: ${progressing.message ?? 'ProgressDeadlineExceeded'})`,
        'RolloutNotFinished',
      );
    const why = progressing.message ? ` (${progressing.message})` : '';
    return failed(`Deployment exceeded its progress deadline${why}`, 'ProgressDeadlineExceeded');
  }
  if (spec.paused) return current('Deployment is paused; its rollout is not awaited', 'DeploymentPaused');

  const want = spec.replicas ?? 1;
  const replicas = status.replicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const available = status.availableReplicas ?? 0;

  if (updated < want) return inProgress(`Waiting for ${updated}/${want} replicas to be updated`, 'ReplicasNotUpdated');
  if (replicas > updated)
    return inProgress(
      `Waiting for ${plural(replicas - updated, 'old replica')} to be terminated`,
      'OldReplicasPending',
    );
  if (ready < want) return inProgress(`Waiting for ${ready}/${want} replicas to be ready`, 'ReplicasNotReady');
  if (available < want)
    return inProgress(`Waiting for ${available}/${want} replicas to be available`, 'ReplicasNotAvailable');

  if (progressing && progressing.reason !== 'NewReplicaSetAvailable' && spec.progressDeadlineSeconds !== NO_DEADLINE) {
    return inProgress(
      `Waiting for the rollout to finish${progressing.message ? `: ${progressing.message}` : ''}`,
      'RolloutNotFinished',
    );
  }
  const availableCond = conditionOf(obj, 'Available');
  if (isFalse(availableCond))
    return inProgress(
      `Waiting for the Deployment to be available${availableCond?.message ? `: ${availableCond.message}` : ''}`,
      'DeploymentNotAvailable',
    );

  return current(`All ${plural(want, 'replica')} updated and available`);
}
