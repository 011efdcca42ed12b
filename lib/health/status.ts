/**
 * The health vocabulary. Every object Drover waits for is in exactly one of
 * six states, borrowed from kstatus, and carries a specific message in the
 * style of kapp ("Waiting for 2/3 replicas to be ready") so a person reading a
 * failed release knows what was awaited without opening the cluster.
 *
 * @example
 *   const r: HealthResult = { status: 'InProgress', message: 'Waiting for 2/3 replicas to be ready', reason: 'ReplicasNotReady' };
 */
import type { KubeObject } from '../object/ref.ts';

/**
 * - `Current`: the object is what its spec asks for (rolled out, bound, established, complete).
 * - `InProgress`: not there yet, but nothing says it will not get there.
 * - `Failed`: it will not get there without a change (deadline exceeded, Job failed, name conflict).
 * - `Terminating`: it is being deleted.
 * - `NotFound`: it does not exist.
 * - `Unknown`: its status could not be read (set by callers that failed to fetch it; the pure rules never return it).
 */
export type HealthStatus = 'InProgress' | 'Current' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

export const HEALTH_STATUSES: readonly HealthStatus[] = [
  'InProgress',
  'Current',
  'Failed',
  'Terminating',
  'NotFound',
  'Unknown',
];

export interface HealthResult {
  status: HealthStatus;
  /** A sentence for people: what is awaited, or what went wrong. */
  message: string;
  /** A stable PascalCase word for programs, often the Kubernetes condition reason. */
  reason?: string;
}

/** A rule for one kind: reads the object, never the cluster. */
export type HealthRule = (obj: KubeObject) => HealthResult;

export function current(message: string, reason?: string): HealthResult {
  return reason === undefined ? { status: 'Current', message } : { status: 'Current', message, reason };
}

export function inProgress(message: string, reason?: string): HealthResult {
  return reason === undefined ? { status: 'InProgress', message } : { status: 'InProgress', message, reason };
}

export function failed(message: string, reason?: string): HealthResult {
  return reason === undefined ? { status: 'Failed', message } : { status: 'Failed', message, reason };
}
