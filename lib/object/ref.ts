/**
 * Object identity, in one place: group, kind, namespace, name. It comes in
 * two forms of the same identity: `ObjectRef` names the group, `ObjectId`
 * carries the whole apiVersion (what the API needs to address the object, and
 * what inventories and version configs store); one key (`refKey`) and one
 * formatter (`formatRef`) take either, so the two never disagree. Every
 * message in Drover names an object the same way, `Kind/namespace/name`
 * (`Kind/name` when cluster scoped), so logs, errors and diffs can be grepped
 * for one object.
 *
 * @example
 *   formatRef(refOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'web', name: 'api' } }))
 *   // => 'Deployment/web/api'
 *   refKey(idOf(deployment)) === refKey(refOf(deployment)) // => true
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

/** An object's identity by API group. */
export interface ObjectRef {
  group: string;
  kind: string;
  namespace: string;
  /** '' for cluster-scoped objects. */
  name: string;
}

/** The same identity with the whole apiVersion: enough to address the object on a cluster. */
export interface ObjectId {
  apiVersion: string;
  kind: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
}

/** Either form of an identity. */
export type AnyRef = ObjectRef | ObjectId;

/** The API group of an apiVersion: `apps/v1` -> `apps`, `v1` -> `` (core). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** The ref of an object, or of an id (its group read from the apiVersion). */
export function refOf(x: KubeObject | AnyRef): ObjectRef {
  if ('metadata' in x)
    return { group: groupOf(x.apiVersion), kind: x.kind, namespace: x.metadata.namespace ?? '', name: x.metadata.name };
  return 'group' in x
    ? { group: x.group, kind: x.kind, namespace: x.namespace, name: x.name }
    : { group: groupOf(x.apiVersion), kind: x.kind, namespace: x.namespace, name: x.name };
}

/** The id of an object: what inventories store and the API addresses. */
export function idOf(obj: KubeObject): ObjectId {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects (of either form of an identity: only these three are read). */
export function formatRef(ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** A key that is unique per object including its group (two kinds may share a name across groups); the same for both forms. */
export function refKey(ref: AnyRef): string {
  const group = 'group' in ref ? ref.group : groupOf(ref.apiVersion);
  return `${group}|${ref.kind}|${ref.namespace}|${ref.name}`;
}

/** The key of an object (`refKey` of its ref). */
export const keyOf = (obj: KubeObject): string => refKey(refOf(obj));

export function sameRef(a: AnyRef, b: AnyRef): boolean {
  return refKey(a) === refKey(b);
}
