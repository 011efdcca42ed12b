/**
 * The health of one live object, computed from the object alone: it reads no
 * cluster, so fetching and waiting live elsewhere (lib/release/verify.ts).
 * Generic rules first, in this order: no object is NotFound; a
 * deletionTimestamp is Terminating; a controller that has not yet observed
 * the latest generation is InProgress (its status describes an older spec);
 * Stalled=True / Reconciling=True are honoured on every kind. Then the rule
 * for the object's `group/Kind` from `KIND_RULES`, or the conditions-based
 * fallback.
 *
 * @example
 *   computeHealth(undefined) // => { status: 'NotFound', message: 'Object not found', reason: 'NotFound' }
 *   computeHealth(deployment) // => { status: 'InProgress', message: 'Waiting for 2/3 replicas to be ready', reason: 'ReplicasNotReady' }
 */
import { groupOf, type KubeObject } from '../object/ref.ts';
import { controllerHasObserved } from './generation.ts';
import { FALLBACK_RULE, KIND_RULES } from './rules/index.ts';
import { stalledOrReconciling } from './rules/generic-conditions.ts';
import { inProgress, type HealthResult } from './status.ts';

export function computeHealth(obj: KubeObject | undefined): HealthResult {
  if (!obj) return { status: 'NotFound', message: 'Object not found', reason: 'NotFound' };

  const rule = KIND_RULES.get(`${groupOf(obj.apiVersion)}/${obj.kind}`) ?? FALLBACK_RULE;
  const { deletionTimestamp, finalizers, generation } = obj.metadata;
  if (deletionTimestamp) {
    const waitingFor =
      Array.isArray(finalizers) && finalizers.length > 0 ? `; waiting for finalizers ${finalizers.join(', ')}` : '';
    return { status: 'Terminating', message: `Being deleted${waitingFor}`, reason: 'Terminating' };
  }

  if (!controllerHasObserved(obj))
    return inProgress(
      `Waiting for the controller to observe generation ${String(generation)}`,
      'ObservedGenerationLag',
    );

  return stalledOrReconciling(obj) ?? rule.health(obj);
}
