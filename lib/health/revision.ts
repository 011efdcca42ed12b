/**
 * Which Pods belong to a workload's current revision. A release is judged by
 * the Pods of its own revision only: old healthy Pods still serving must not
 * mask a broken new template, and old broken Pods about to be replaced must
 * not fail a good one.
 *
 * - Deployment: the Pods of its newest ReplicaSet (the one whose
 *   `deployment.kubernetes.io/revision` matches the Deployment's, else the
 *   highest), by ownerReference, or by `pod-template-hash` for Pods without one.
 * - StatefulSet: its Pods whose `controller-revision-hash` is `status.updateRevision`.
 * - DaemonSet: its Pods whose `pod-template-generation` matches the
 *   DaemonSet's `deprecated.daemonset.template.generation` annotation (all its
 *   Pods if that annotation is missing).
 * - ReplicaSet, Job: the Pods they own. A Pod: itself. Any other kind: none.
 *
 * Until the controller has observed the workload's latest generation the new
 * revision may not exist yet, so there are no current Pods.
 *
 * @example
 *   currentRevisionPods(deployment, replicaSets, pods).map((p) => p.metadata.name) // => ['api-6b8f9d7c4d-x2k9p']
 */
import { groupOf, type KubeObject } from '../object/ref.ts';
import { controllerHasObserved } from './generation.ts';

interface OwnerReference {
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

const REVISION = 'deployment.kubernetes.io/revision';

/** True when `obj` names `owner` among its ownerReferences (by uid when the owner has one). */
export function isOwnedBy(obj: KubeObject, owner: KubeObject): boolean {
  if ((obj.metadata.namespace ?? '') !== (owner.metadata.namespace ?? '')) return false;
  const uid = owner.metadata.uid;
  return ownerReferencesOf(obj).some((r) =>
    typeof uid === 'string' && uid ? r.uid === uid : r.kind === owner.kind && r.name === owner.metadata.name,
  );
}

/** The Deployment's newest ReplicaSet, `undefined` when it has none among `replicaSets`. */
export function currentReplicaSet(deployment: KubeObject, replicaSets: readonly KubeObject[]): KubeObject | undefined {
  const owned = replicaSets.filter((rs) => rs.kind === 'ReplicaSet' && isOwnedBy(rs, deployment));
  const wanted = deployment.metadata.annotations?.[REVISION];
  const exact = wanted === undefined ? undefined : owned.find((rs) => rs.metadata.annotations?.[REVISION] === wanted);
  if (exact) return exact;
  return owned.reduce<KubeObject | undefined>(
    (best, rs) => (best === undefined || newer(rs, best) ? rs : best),
    undefined,
  );
}

export function currentRevisionPods(
  workload: KubeObject,
  replicaSets: readonly KubeObject[],
  pods: readonly KubeObject[],
): KubeObject[] {
  if (!controllerHasObserved(workload)) return [];
  const live = pods.filter((p) => p.kind === 'Pod');
  const kind = `${groupOf(workload.apiVersion)}/${workload.kind}`;
  switch (kind) {
    case 'apps/Deployment': {
      const rs = currentReplicaSet(workload, replicaSets);
      if (!rs) return [];
      const hash = rs.metadata.labels?.['pod-template-hash'];
      return live.filter((p) =>
        ownerReferencesOf(p).length > 0
          ? isOwnedBy(p, rs)
          : hash !== undefined && p.metadata.labels?.['pod-template-hash'] === hash,
      );
    }
    case 'apps/StatefulSet': {
      const revision = (workload.status as { updateRevision?: string } | undefined)?.updateRevision;
      if (!revision) return [];
      return live.filter((p) => isOwnedBy(p, workload) && p.metadata.labels?.['controller-revision-hash'] === revision);
    }
    case 'apps/DaemonSet': {
      const generation = workload.metadata.annotations?.['deprecated.daemonset.template.generation'];
      return live.filter(
        (p) =>
          isOwnedBy(p, workload) &&
          (generation === undefined || p.metadata.labels?.['pod-template-generation'] === generation),
      );
    }
    case 'apps/ReplicaSet':
    case 'batch/Job':
      return live.filter((p) => isOwnedBy(p, workload));
    case '/Pod':
      return [workload];
    default:
      return [];
  }
}

function ownerReferencesOf(obj: KubeObject): OwnerReference[] {
  const refs = obj.metadata.ownerReferences;
  return Array.isArray(refs) ? (refs as OwnerReference[]) : [];
}

function newer(a: KubeObject, b: KubeObject): boolean {
  const ra = Number(a.metadata.annotations?.[REVISION] ?? 0);
  const rb = Number(b.metadata.annotations?.[REVISION] ?? 0);
  if (ra !== rb) return ra > rb;
  return String(a.metadata.creationTimestamp ?? '') > String(b.metadata.creationTimestamp ?? '');
}
