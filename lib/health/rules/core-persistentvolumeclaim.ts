/**
 * Health of a core/PersistentVolumeClaim: Current once Bound, Failed when
 * Lost (its volume is gone and the data with it), InProgress while Pending.
 * With a WaitForFirstConsumer storage class a claim stays Pending until a Pod
 * uses it; the workload applied after it gets there.
 *
 * @example
 *   pvcHealth(pvc) // => { status: 'Current', message: 'Bound to volume pvc-3f1c' }
 */
import type { KubeObject } from '../../object/ref.ts';
import { current, failed, inProgress, type HealthResult } from '../status.ts';

interface ClaimView {
  spec?: { volumeName?: string };
  status?: { phase?: string };
}

export function pvcHealth(obj: KubeObject): HealthResult {
  const { spec = {}, status = {} } = obj as ClaimView;
  const volume = spec.volumeName ? ` ${spec.volumeName}` : '';
  switch (status.phase) {
    case 'Bound':
      return current(`Bound to volume${volume}`);
    case 'Lost':
      return failed(`Lost its volume${volume}: the volume no longer exists`, 'ClaimLost');
    default:
      return inProgress(`Waiting for the claim to be bound (phase ${status.phase ?? 'unknown'})`, 'ClaimPending');
  }
}
