/**
 * Health of an apiextensions.k8s.io/CustomResourceDefinition: Current once
 * Established=True (its resources can be served); Failed when its names are
 * refused (NamesAccepted=False, e.g. a plural already used by another CRD) or
 * it is not established for a reason other than still installing.
 *
 * @example
 *   crdHealth(crd) // => { status: 'Current', message: 'CustomResourceDefinition is established' }
 */
import type { KubeObject } from '../../object/ref.ts';
import { conditionOf, describeCondition, isFalse, isTrue } from '../conditions.ts';
import { current, failed, inProgress, type HealthResult } from '../status.ts';

export function crdHealth(obj: KubeObject): HealthResult {
  const names = conditionOf(obj, 'NamesAccepted');
  if (isFalse(names))
    return failed(
      `Names not accepted${names?.message ? `: ${names.message}` : ''}`,
      names?.reason ?? 'NamesNotAccepted',
    );
  const established = conditionOf(obj, 'Established');
  if (isTrue(established)) return current('CustomResourceDefinition is established');
  if (established && isFalse(established) && established.reason !== 'Installing') {
    return failed(
      `Not established: ${describeCondition(established) || 'no reason given'}`,
      established.reason ?? 'NotEstablished',
    );
  }
  return inProgress('Waiting for the CustomResourceDefinition to be established', 'Installing');
}
