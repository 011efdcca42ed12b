/**
 * Health of an apps/DaemonSet: one Pod per eligible node, so the counts are
 * against `status.desiredNumberScheduled` rather than a replica count. With
 * the OnDelete strategy old Pods stay until deleted by hand, so the updated
 * count is not awaited.
 *
 * @example
 *   daemonSetHealth(ds) // => { status: 'InProgress', message: 'Waiting for 1/2 Pods to be available', reason: 'PodsNotAvailable' }
 */
import type { KubeObject } from '../../object/ref.ts';
import { current, inProgress, type HealthResult } from '../status.ts';
import { plural } from '../text.ts';

interface DaemonSetView {
  spec?: { updateStrategy?: { type?: string } };
  status?: {
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    numberReady?: number;
  };
}

export function daemonSetHealth(obj: KubeObject): HealthResult {
  const { spec = {}, status = {} } = obj as DaemonSetView;
  const desired = status.desiredNumberScheduled;
  if (desired === undefined)
    return inProgress('Waiting for the controller to count the nodes to run on', 'DesiredNotKnown');

  const scheduled = status.currentNumberScheduled ?? 0;
  const updated = status.updatedNumberScheduled ?? 0;
  const ready = status.numberReady ?? 0;
  const available = status.numberAvailable ?? 0;

  if (scheduled < desired)
    return inProgress(`Waiting for ${scheduled}/${desired} Pods to be scheduled`, 'PodsNotScheduled');
  if (spec.updateStrategy?.type !== 'OnDelete' && updated < desired) {
    return inProgress(`Waiting for ${updated}/${desired} Pods to be updated`, 'PodsNotUpdated');
  }
  if (ready < desired) return inProgress(`Waiting for ${ready}/${desired} Pods to be ready`, 'PodsNotReady');
  if (available < desired)
    return inProgress(`Waiting for ${available}/${desired} Pods to be available`, 'PodsNotAvailable');
  return current(`All ${plural(desired, 'Pod')} updated and available`);
}
