/**
 * Health of an apps/ReplicaSet (usually owned by a Deployment, whose rule is
 * the one that matters; this covers bare ReplicaSets). A ReplicaFailure
 * condition (Pods refused by quota or admission) keeps it InProgress here;
 * fatal.ts decides whether that refusal is fatal.
 *
 * @example
 *   replicaSetHealth(rs) // => { status: 'Current', message: 'All 3 replicas ready and available' }
 */
import type { KubeObject } from '../../object/ref.ts';
import { conditionOf, isTrue } from '../conditions.ts';
import { current, inProgress, type HealthResult } from '../status.ts';
import { plural } from '../text.ts';

interface ReplicaSetView {
  spec?: { replicas?: number };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number };
}

export function replicaSetHealth(obj: KubeObject): HealthResult {
  const { spec = {}, status = {} } = obj as ReplicaSetView;
  const failure = conditionOf(obj, 'ReplicaFailure');
  if (isTrue(failure))
    return inProgress(
      `Cannot create replicas${failure?.message ? `: ${failure.message}` : ''}`,
      failure?.reason ?? 'ReplicaFailure',
    );

  const want = spec.replicas ?? 1;
  const replicas = status.replicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (replicas < want)
    return inProgress(`Waiting for ${replicas}/${want} replicas to be created`, 'ReplicasNotCreated');
  if (ready < want) return inProgress(`Waiting for ${ready}/${want} replicas to be ready`, 'ReplicasNotReady');
  if (available < want)
    return inProgress(`Waiting for ${available}/${want} replicas to be available`, 'ReplicasNotAvailable');
  if (replicas > want)
    return inProgress(
      `Waiting for ${plural(replicas - want, 'extra replica')} to be terminated`,
      'ExtraReplicasPending',
    );
  return current(`All ${plural(want, 'replica')} ready and available`);
}
