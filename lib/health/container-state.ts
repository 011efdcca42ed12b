/**
 * Container states that will not fix themselves: an image that cannot be
 * pulled, a container that keeps crashing or running out of memory, a
 * container whose config (a ConfigMap or Secret key) does not exist. Read from
 * a Pod's `status.containerStatuses` and `status.initContainerStatuses`. The
 * Pod rule and the fail-fast check in fatal.ts both use it, so a Pod and the
 * workload owning it are judged by the same facts.
 *
 * @example
 *   containerProblems(pod) // => [{ container: 'app', reason: 'CrashLoopBackOff', message: 'container "app" is crash-looping (restarted 3 times; last exit code 1, Error)' }]
 */
import type { KubeObject } from '../object/ref.ts';

export type ContainerProblemReason =
  | 'ImagePullBackOff'
  | 'ErrImagePull'
  | 'InvalidImageName'
  | 'ErrImageNeverPull'
  | 'CreateContainerConfigError'
  | 'OOMKilled'
  | 'CrashLoopBackOff';

export interface ContainerProblem {
  container: string;
  reason: ContainerProblemReason;
  /** Names the container, e.g. `container "app" cannot pull image "x:1": ...`. */
  message: string;
}

interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; reason?: string; message?: string };
}

export interface ContainerStatus {
  name: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

const IMAGE_REASONS: ReadonlySet<string> = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
]);

/** Init containers first (they run first), then app containers. */
export function containerStatusesOf(pod: KubeObject): { init: boolean; status: ContainerStatus }[] {
  const status = pod.status as
    { initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] } | undefined;
  return [
    ...(status?.initContainerStatuses ?? []).map((s) => ({ init: true, status: s })),
    ...(status?.containerStatuses ?? []).map((s) => ({ init: false, status: s })),
  ];
}

/** Every container of the Pod in a state that will not fix itself, one problem per container at most. */
export function containerProblems(pod: KubeObject): ContainerProblem[] {
  const problems: ContainerProblem[] = [];
  for (const { init, status } of containerStatusesOf(pod)) {
    const problem = problemOf(status, init);
    if (problem) problems.push(problem);
  }
  return problems;
}

function problemOf(cs: ContainerStatus, init: boolean): ContainerProblem | undefined {
  const label = `${init ? 'init container' : 'container'} "${cs.name}"`;
  const waiting = cs.state?.waiting;
  const terminated = cs.state?.terminated;
  const last = cs.lastState?.terminated;
  const restarts = restartsText(cs.restartCount ?? 0);
  const detail = (text: string | undefined) => (text ? `: ${text}` : '');

  if (waiting?.reason && IMAGE_REASONS.has(waiting.reason)) {
    const image = cs.image ? ` "${cs.image}"` : '';
    return {
      container: cs.name,
      reason: waiting.reason as ContainerProblemReason,
      message: `${label} cannot pull image${image}${detail(waiting.message)}`,
    };
  }
  if (waiting?.reason === 'CreateContainerConfigError') {
    return {
      container: cs.name,
      reason: 'CreateContainerConfigError',
      message: `${label} cannot be created${detail(waiting.message)}`,
    };
  }
  // A container that ran out of memory once and is running again may well be
  // fine; one that is dead now, or backing off after an OOM kill, is not.
  if (terminated?.reason === 'OOMKilled' || (last?.reason === 'OOMKilled' && waiting?.reason === 'CrashLoopBackOff')) {
    return {
      container: cs.name,
      reason: 'OOMKilled',
      message: `${label} was killed for running out of memory (OOMKilled, ${restarts})`,
    };
  }
  if (waiting?.reason === 'CrashLoopBackOff') {
    const exit = last ? `; last exit code ${last.exitCode ?? '?'}${last.reason ? `, ${last.reason}` : ''}` : '';
    return {
      container: cs.name,
      reason: 'CrashLoopBackOff',
      message: `${label} is crash-looping (${restarts}${exit})`,
    };
  }
  return undefined;
}

function restartsText(n: number): string {
  if (n === 0) return 'not restarted';
  return n === 1 ? 'restarted once' : `restarted ${n} times`;
}
