/**
 * Health of an apps/Deployment. Failed once the controller gives up
 * (Progressing=False, reason ProgressDeadlineExceeded); Current when every
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

export function deploymentHealth(obj: KubeObject): HealthResult {
  const { spec = {}, status = {} } = obj as DeploymentView;
  const progressing = conditionOf(obj, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
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
