/**
 * Object identity: group, kind, namespace, name. Every message in Drover names
 * an object the same way, `Kind/namespace/name` (`Kind/name` when cluster
 * scoped), so logs, errors and diffs can be grepped for one object.
 *
 * @example
 *   formatRef(refOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'web', name: 'api' } }))
 *   // => 'Deployment/web/api'
 */

/** The smallest shape Drover reads from any Kubernetes object. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface ObjectRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** The API group of an apiVersion: `apps/v1` -> `apps`, `v1` -> `` (core). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

export function refOf(obj: KubeObject): ObjectRef {
  return {
    group: groupOf(obj.apiVersion),
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
export function formatRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** A key that is unique per object including its group (two kinds may share a name across groups). */
export function refKey(ref: ObjectRef): string {
  return `${ref.group}|${ref.kind}|${ref.namespace}|${ref.name}`;
}

export function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return refKey(a) === refKey(b);
}
