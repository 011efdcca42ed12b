/**
 * Fail fast: find the Pod states that will not fix themselves, so a broken
 * release fails in seconds instead of waiting out its deadline. Reads Pods,
 * ReplicaSets and (optionally) Events already fetched; reads no cluster.
 *
 * Fatal (`fatal: true`):
 * - ImagePullBackOff, ErrImagePull, InvalidImageName, ErrImageNeverPull;
 * - CrashLoopBackOff, and OOMKilled (a container dead from, or backing off
 *   after, running out of memory);
 * - CreateContainerConfigError (e.g. a missing ConfigMap or Secret key);
 * - FailedMount events saying a volume source is `not found` (a missing
 *   ConfigMap, Secret or claim: Drover applies those before workloads, so one
 *   missing now stays missing);
 * - a ReplicaSet's ReplicaFailure=True whose message says `exceeded quota`
 *   (reason ExceededQuota) or `forbidden` (admission, LimitRange; reason
 *   FailedCreate). A quota too tight for a rolling update's surge fails here
 *   too, which is the point: it would stall.
 *
 * Reported but not fatal (`fatal: false`): other FailedMount events (attach
 * timeouts), other ReplicaFailure messages, and Unschedulable Pods
 * (PodScheduled=False, reason Unschedulable) — the scheduler may still find
 * room once old Pods go or nodes scale up. Unschedulable becomes fatal only
 * when the caller passes `now` and `unschedulableGraceMs` and the Pod has
 * been unschedulable at least that long.
 *
 * @example
 *   workloadFailure(deployment, replicaSets, pods).findings
 *   // => [{ ref: 'Pod/web/api-6b8f9d7c4d-x2k9p', container: 'app', reason: 'CrashLoopBackOff',
 *   //       message: 'container "app" is crash-looping (restarted 3 times; last exit code 1, Error)', fatal: true }]
 */
import { formatRef, groupOf, refOf, type KubeObject } from '../object/ref.ts';
import { computeHealth } from './compute.ts';
import { conditionOf, isTrue } from './conditions.ts';
import { containerProblems, type ContainerProblemReason } from './container-state.ts';
import { controllerHasObserved } from './generation.ts';
import { currentReplicaSet, currentRevisionPods } from './revision.ts';
import { failed, type HealthResult } from './status.ts';

export type FindingReason = ContainerProblemReason | 'FailedMount' | 'ExceededQuota' | 'FailedCreate' | 'Unschedulable';

export interface Finding {
  /** The object at fault: `Pod/ns/name`, or `ReplicaSet/ns/name` for refused Pod creation. */
  ref: string;
  /** The container at fault, when it is one container. */
  container?: string;
  reason: FindingReason;
  /** What is wrong, naming the container; not the ref (callers prefix it). */
  message: string;
  /** True when waiting longer will not help. */
  fatal: boolean;
}

export interface FatalOptions {
  /** Current time in ms since the epoch; with `unschedulableGraceMs`, lets Unschedulable become fatal. */
  now?: number;
  /** How long a Pod may stay Unschedulable before that is fatal. */
  unschedulableGraceMs?: number;
}

export interface WorkloadFailure {
  /** The workload's own health, turned Failed by the first fatal finding. */
  health: HealthResult;
  /** Fatal findings first. */
  findings: Finding[];
}

/** What is wrong with one Pod, from its status and the Events about it. Terminating Pods have no findings. */
export function podFindings(
  pod: KubeObject,
  events: readonly KubeObject[] = [],
  options: FatalOptions = {},
): Finding[] {
  if (pod.metadata.deletionTimestamp) return [];
  const ref = formatRef(refOf(pod));
  const findings: Finding[] = containerProblems(pod).map((p) => ({
    ref,
    container: p.container,
    reason: p.reason,
    message: p.message,
    fatal: true,
  }));

  const mounts = events.filter((e) => e.reason === 'FailedMount' && isAbout(e, pod)).map(eventMessage);
  const mount = mounts.find(isMissingSource) ?? mounts[0];
  if (mount !== undefined)
    findings.push({
      ref,
      reason: 'FailedMount',
      message: `cannot mount volumes: ${mount}`,
      fatal: isMissingSource(mount),
    });

  const scheduled = conditionOf(pod, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const { now, unschedulableGraceMs } = options;
    const since = Date.parse(scheduled.lastTransitionTime ?? '');
    const persistent =
      now !== undefined &&
      unschedulableGraceMs !== undefined &&
      !Number.isNaN(since) &&
      now - since >= unschedulableGraceMs;
    findings.push({
      ref,
      reason: 'Unschedulable',
      message: `cannot be scheduled${scheduled.message ? `: ${scheduled.message}` : ''}`,
      fatal: persistent,
    });
  }
  return findings;
}

/** Pod creation refused for a ReplicaSet (quota, admission), from its ReplicaFailure condition. */
export function replicaSetFindings(rs: KubeObject): Finding[] {
  const failure = conditionOf(rs, 'ReplicaFailure');
  if (!failure || !isTrue(failure)) return [];
  const message = failure.message ?? '';
  const quota = /exceeded quota/i.test(message);
  return [
    {
      ref: formatRef(refOf(rs)),
      reason: quota ? 'ExceededQuota' : 'FailedCreate',
      message: `cannot create Pods${message ? `: ${message}` : ''}`,
      fatal: quota || /forbidden/i.test(message),
    },
  ];
}

/**
 * The workload's health combined with what is wrong in its current revision
 * (see revision.ts): findings of the Pods of that revision, and of the
 * ReplicaSet creating them. A Current workload has no findings (a Job that
 * completed after a retry is fine); nor does one whose controller has not yet
 * observed its latest spec (the new revision may not exist yet).
 */
export function workloadFailure(
  workload: KubeObject,
  replicaSets: readonly KubeObject[],
  pods: readonly KubeObject[],
  events: readonly KubeObject[] = [],
  options: FatalOptions = {},
): WorkloadFailure {
  const health = computeHealth(workload);
  if (health.status === 'Current' || health.status === 'Terminating' || !controllerHasObserved(workload))
    return { health, findings: [] };

  const kind = `${groupOf(workload.apiVersion)}/${workload.kind}`;
  const creator =
    kind === 'apps/Deployment'
      ? currentReplicaSet(workload, replicaSets)
      : kind === 'apps/ReplicaSet'
        ? workload
        : undefined;
  const findings = [
    ...(creator ? replicaSetFindings(creator) : []),
    ...currentRevisionPods(workload, replicaSets, pods).flatMap((p) => podFindings(p, events, options)),
  ];
  findings.sort((a, b) => Number(b.fatal) - Number(a.fatal));

  const first = findings[0];
  if (first?.fatal && health.status !== 'Failed')
    return { health: failed(`${first.ref}: ${first.message}`, first.reason), findings };
  return { health, findings };
}

/** core/v1 Events say `message`, events.k8s.io/v1 Events say `note`. */
function eventMessage(e: KubeObject): string {
  return String(e.message ?? e.note ?? '');
}

/** core/v1 Events name their object in `involvedObject`, events.k8s.io/v1 in `regarding`. */
function isAbout(e: KubeObject, obj: KubeObject): boolean {
  const about = (e.involvedObject ?? e.regarding) as
    { kind?: string; name?: string; namespace?: string; uid?: string } | undefined;
  if (!about) return false;
  if (about.uid && obj.metadata.uid) return about.uid === obj.metadata.uid;
  return (
    about.kind === obj.kind &&
    about.name === obj.metadata.name &&
    (about.namespace ?? '') === (obj.metadata.namespace ?? '')
  );
}

function isMissingSource(message: string): boolean {
  return /\bnot found\b/i.test(message);
}
