/**
 * Apply order as plain data. A bundle is applied in stages, with a wait
 * between them: what others depend on goes first (CRDs and Namespaces, then
 * config and identity, then Services), then workloads, then everything else,
 * and admission webhooks last so a webhook whose backend is not running yet
 * cannot block the bundle's own objects. Deletion runs the stages backwards.
 *
 * Kinds are matched with their API group, so `serving.knative.dev/Service` is
 * not mistaken for a core Service. Unknown kinds (custom resources) go to the
 * `rest` stage.
 *
 * @example
 *   groupIntoStages([deployment, namespace, configMap])
 *   // => [[namespace], [configMap], [deployment]]
 */
import { groupOf, type KubeObject } from './ref.ts';

export type StageName = 'definitions' | 'config' | 'services' | 'workloads' | 'rest' | 'webhooks';

export interface Stage {
  name: StageName;
  /** `group/Kind` (`/Kind` for the core group), in the order they are applied within the stage. */
  kinds: readonly string[];
}

/** The stages in apply order. `rest` lists no kinds: it takes every kind not listed elsewhere. */
export const ReconcileOrder: readonly Stage[] = [
  { name: 'definitions', kinds: ['apiextensions.k8s.io/CustomResourceDefinition', '/Namespace'] },
  {
    name: 'config',
    kinds: [
      'scheduling.k8s.io/PriorityClass',
      'storage.k8s.io/StorageClass',
      'node.k8s.io/RuntimeClass',
      'networking.k8s.io/IngressClass',
      '/ResourceQuota',
      '/LimitRange',
      '/ServiceAccount',
      'rbac.authorization.k8s.io/ClusterRole',
      'rbac.authorization.k8s.io/Role',
      'rbac.authorization.k8s.io/ClusterRoleBinding',
      'rbac.authorization.k8s.io/RoleBinding',
      '/ConfigMap',
      '/Secret',
      '/PersistentVolume',
      '/PersistentVolumeClaim',
    ],
  },
  { name: 'services', kinds: ['/Service'] },
  {
    name: 'workloads',
    kinds: [
      'apps/Deployment',
      'apps/StatefulSet',
      'apps/DaemonSet',
      'apps/ReplicaSet',
      'batch/Job',
      'batch/CronJob',
      '/Pod',
    ],
  },
  { name: 'rest', kinds: [] },
  {
    name: 'webhooks',
    kinds: [
      'apiregistration.k8s.io/APIService',
      'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
      'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
      'admissionregistration.k8s.io/MutatingWebhookConfiguration',
      'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
    ],
  },
];

const REST = ReconcileOrder.findIndex((s) => s.name === 'rest');
const position = new Map<string, [stage: number, rank: number]>();
ReconcileOrder.forEach((stage, i) => stage.kinds.forEach((kind, rank) => position.set(kind, [i, rank])));

function positionOf(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): [number, number] {
  return position.get(`${groupOf(obj.apiVersion)}/${obj.kind}`) ?? [REST, 0];
}

/** The index into `ReconcileOrder` of the stage an object is applied in. */
export function stageOf(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): number {
  return positionOf(obj)[0];
}

/** The name of the stage an object is applied in. */
export function stageNameOf(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): StageName {
  return ReconcileOrder[stageOf(obj)]!.name;
}

function compare(a: KubeObject, b: KubeObject): number {
  const [sa, ra] = positionOf(a);
  const [sb, rb] = positionOf(b);
  return (
    sa - sb ||
    ra - rb ||
    cmp(groupOf(a.apiVersion), groupOf(b.apiVersion)) ||
    cmp(a.kind, b.kind) ||
    cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    cmp(a.metadata.name, b.metadata.name)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The objects in apply order (stage, kind within the stage, then group, kind, namespace, name). Deterministic; input is not changed. */
export function sortForApply<T extends KubeObject>(objects: readonly T[]): T[] {
  return [...objects].sort(compare);
}

/**
 * The objects grouped into stages, in apply order, each stage sorted as
 * `sortForApply`. Stages with no objects are left out, so the result may be
 * shorter than `ReconcileOrder`; use `stageNameOf` on a member to name one.
 * Takes the array directly (not an arguments object): it is a one-argument
 * pure helper used inline.
 */
export function groupIntoStages<T extends KubeObject>(objects: readonly T[]): T[][] {
  const stages: T[][] = [];
  let current = -1;
  for (const obj of sortForApply(objects)) {
    const stage = stageOf(obj);
    if (stage !== current) {
      stages.push([]);
      current = stage;
    }
    stages[stages.length - 1]!.push(obj);
  }
  return stages;
}
