/**
 * Whether a controller has seen an object's latest spec. Until it has, the
 * object's status describes an older spec and cannot say whether the new one
 * is healthy.
 *
 * @example
 *   controllerHasObserved({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', generation: 2 }, status: { observedGeneration: 1 } }) // => false
 */
import { groupOf, type KubeObject } from '../object/ref.ts';
import { KIND_RULES } from './rules/index.ts';

/**
 * False when `status.observedGeneration` is behind `metadata.generation`, or
 * missing for a kind whose controller always writes it (a Deployment created
 * a moment ago has no status yet; a Job's controller never writes it, and most
 * custom resources do not either).
 */
export function controllerHasObserved(obj: KubeObject): boolean {
  const generation = obj.metadata.generation;
  if (typeof generation !== 'number') return true;
  const observed = (obj.status as { observedGeneration?: unknown } | undefined)?.observedGeneration;
  if (typeof observed === 'number') return observed >= generation;
  return KIND_RULES.get(`${groupOf(obj.apiVersion)}/${obj.kind}`)?.reportsObservedGeneration !== true;
}
