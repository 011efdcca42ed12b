/**
 * Health of an apps/StatefulSet. With the OnDelete strategy nothing rolls out
 * until Pods are deleted by hand, so it is Current once the replicas exist and
 * are ready. With RollingUpdate and a partition, only ordinals at or above the
 * partition are updated, so `replicas - partition` updated replicas complete
 * the rollout; without one, the update revision must become the current one.
 *
 * @example
 *   statefulSetHealth(sts) // => { status: 'InProgress', message: 'Waiting for 1/3 replicas to be updated', reason: 'ReplicasNotUpdated' }
 */
import type { KubeObject } from '../../object/ref.ts';
import { current, inProgress, type HealthResult } from '../status.ts';
import { plural } from '../text.ts';

interface StatefulSetView {
  spec?: { replicas?: number; updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } } };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export function statefulSetHealth(obj: KubeObject): HealthResult {
  const { spec = {}, status = {} } = obj as StatefulSetView;
  const want = spec.replicas ?? 1;
  const replicas = status.replicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const updated = status.updatedReplicas ?? 0;

  if (replicas < want)
    return inProgress(`Waiting for ${replicas}/${want} replicas to be created`, 'ReplicasNotCreated');
  if (replicas > want)
    return inProgress(
      `Waiting for ${plural(replicas - want, 'extra replica')} to be terminated`,
      'ExtraReplicasPending',
    );
  if (ready < want) return inProgress(`Waiting for ${ready}/${want} replicas to be ready`, 'ReplicasNotReady');
  if (status.availableReplicas !== undefined && status.availableReplicas < want) {
    return inProgress(
      `Waiting for ${status.availableReplicas}/${want} replicas to be available`,
      'ReplicasNotAvailable',
    );
  }

  const strategy = spec.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy === 'OnDelete')
    return current(`All ${plural(want, 'replica')} ready (OnDelete: Pods are updated only when deleted)`);

  const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    const expected = Math.max(0, want - partition);
    if (updated < expected)
      return inProgress(
        `Waiting for ${updated}/${expected} replicas to be updated (partition ${partition})`,
        'ReplicasNotUpdated',
      );
    return current(`Partitioned rollout complete: ${updated}/${want} replicas updated (partition ${partition})`);
  }
  if (updated < want) return inProgress(`Waiting for ${updated}/${want} replicas to be updated`, 'ReplicasNotUpdated');
  if (status.updateRevision && status.currentRevision !== status.updateRevision) {
    return inProgress(
      `Waiting for update revision ${status.updateRevision} to become current (current: ${status.currentRevision ?? 'none'})`,
      'RevisionNotCurrent',
    );
  }
  return current(`All ${plural(want, 'replica')} updated and ready`);
}
