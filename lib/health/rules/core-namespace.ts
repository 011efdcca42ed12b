/**
 * Health of a core/Namespace: Current when Active. A Namespace being deleted
 * is Terminating by its deletionTimestamp before this rule runs.
 *
 * @example
 *   namespaceHealth(ns) // => { status: 'Current', message: 'Namespace is active' }
 */
import type { KubeObject } from '../../object/ref.ts';
import { current, inProgress, type HealthResult } from '../status.ts';

export function namespaceHealth(obj: KubeObject): HealthResult {
  const phase = (obj.status as { phase?: string } | undefined)?.phase;
  if (phase === 'Active') return current('Namespace is active');
  return inProgress(`Waiting for the Namespace to be active (phase ${phase ?? 'unknown'})`, 'NamespaceNotActive');
}
