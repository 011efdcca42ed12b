/**
 * Which kinds are cluster scoped. Needed without a cluster: a namespaced
 * object written without a namespace takes its bundle's default namespace,
 * a cluster-scoped one must not. Built-in kinds come from a table; custom
 * kinds from the CustomResourceDefinitions found in the same repository
 * (`spec.scope: Cluster`). Anything else is taken to be namespaced.
 *
 * @example
 *   isClusterScoped({ apiVersion: 'v1', kind: 'Namespace' }) // => true
 */
import { groupOf, type KubeObject } from './ref.ts';

/** Built-in cluster-scoped kinds as `group/Kind` (`/Kind` for the core group). */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'scheduling.k8s.io/PriorityClass',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'gateway.networking.k8s.io/GatewayClass',
]);

/** `group/Kind` of every CRD in `objects` whose scope is Cluster. */
export function clusterScopedCustomKinds(objects: readonly KubeObject[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition' || groupOf(o.apiVersion) !== 'apiextensions.k8s.io') continue;
    const spec = o.spec as { scope?: unknown; group?: unknown; names?: { kind?: unknown } } | undefined;
    if (spec?.scope === 'Cluster' && typeof spec.group === 'string' && typeof spec.names?.kind === 'string') {
      out.add(`${spec.group}/${spec.names.kind}`);
    }
  }
  return out;
}

/** True when objects of this kind have no namespace. */
export function isClusterScoped(
  obj: Pick<KubeObject, 'apiVersion' | 'kind'>,
  customClusterKinds: ReadonlySet<string> = new Set(),
): boolean {
  const key = `${groupOf(obj.apiVersion)}/${obj.kind}`;
  return CLUSTER_SCOPED_KINDS.has(key) || customClusterKinds.has(key);
}
