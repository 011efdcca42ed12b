/**
 * Health of any object without a rule of its own, from the conditions that
 * kstatus made a convention: `Stalled=True` is Failed (the controller gave
 * up), `Reconciling=True` is InProgress, `Ready=True` is Current and
 * `Ready=False` or `Unknown` is InProgress (a controller that has given up is
 * expected to say Stalled, so Ready=False alone is not a failure). An object
 * with none of them (ConfigMap, Secret, ServiceAccount, RBAC, most custom
 * resources without a controller) is Current as soon as it exists.
 *
 * @example
 *   conditionsHealth(helmRelease) // => { status: 'Current', message: 'Ready: Helm install succeeded for release web/redis' }
 */
import type { KubeObject } from '../../object/ref.ts';
import { conditionOf, describeCondition, isTrue } from '../conditions.ts';
import { current, failed, inProgress, type HealthResult } from '../status.ts';

/**
 * Stalled=True or Reconciling=True, which kstatus honours on every kind
 * before its own rules; `undefined` when neither is set.
 */
export function stalledOrReconciling(obj: KubeObject): HealthResult | undefined {
  const stalled = conditionOf(obj, 'Stalled');
  if (stalled && isTrue(stalled))
    return failed(`Stalled${suffix(describeCondition(stalled))}`, stalled.reason ?? 'Stalled');
  const reconciling = conditionOf(obj, 'Reconciling');
  if (reconciling && isTrue(reconciling))
    return inProgress(`Reconciling${suffix(describeCondition(reconciling))}`, reconciling.reason ?? 'Reconciling');
  return undefined;
}

/** The fallback rule: Stalled, Reconciling, then Ready; Current without any of them. */
export function conditionsHealth(obj: KubeObject): HealthResult {
  const abnormal = stalledOrReconciling(obj);
  if (abnormal) return abnormal;
  const ready = conditionOf(obj, 'Ready');
  if (!ready) return current('Resource is current');
  const generation = obj.metadata.generation;
  if (
    typeof generation === 'number' &&
    typeof ready.observedGeneration === 'number' &&
    ready.observedGeneration < generation
  ) {
    return inProgress(`Waiting for the controller to observe generation ${generation}`, 'ObservedGenerationLag');
  }
  if (isTrue(ready)) return current(`Ready${suffix(ready.message || ready.reason || '')}`);
  return inProgress(`Waiting for Ready${suffix(describeCondition(ready))}`, ready.reason ?? 'NotReady');
}

function suffix(text: string): string {
  return text ? `: ${text}` : '';
}
