/**
 * Health of a core/Service: a LoadBalancer Service is InProgress until its
 * load balancer has an address (`status.loadBalancer.ingress`); every other
 * type is Current as soon as it exists.
 *
 * @example
 *   serviceHealth(svc) // => { status: 'InProgress', message: 'Waiting for the load balancer to get an address', reason: 'LoadBalancerPending' }
 */
import type { KubeObject } from '../../object/ref.ts';
import { current, inProgress, type HealthResult } from '../status.ts';

interface ServiceView {
  spec?: { type?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export function serviceHealth(obj: KubeObject): HealthResult {
  const { spec = {}, status = {} } = obj as ServiceView;
  if (spec.type !== 'LoadBalancer') return current(`Service is ready (${spec.type ?? 'ClusterIP'})`);
  const ingress = status.loadBalancer?.ingress ?? [];
  if (ingress.length === 0) return inProgress('Waiting for the load balancer to get an address', 'LoadBalancerPending');
  const addresses = ingress.map((i) => i.ip ?? i.hostname).filter(Boolean);
  return current(`Load balancer is ready${addresses.length ? ` at ${addresses.join(', ')}` : ''}`);
}
