/**
 * The references one object makes to others: the edges of the graph member
 * discovery walks. Each reference says how membership flows along it:
 * - `forward`: when the referring object is a member, the target joins
 *   (a Deployment brings its ConfigMaps);
 * - `reverse`: when the target is a member, the referring object joins
 *   (a NetworkPolicy selecting a member's pods);
 * - `both`: either way (a Service and the workloads it selects).
 *
 * A reference is by name (a target object) or by label selector (the
 * workloads in a namespace whose pod template labels match). Selectors that
 * select every pod of a namespace (an empty PDB or NetworkPolicy selector) are
 * namespace-wide policy, not part of one application, and make no edge.
 *
 * @example
 *   referencesOf(deployment)
 *   // => [{ by: 'name', via: 'envFrom', joins: 'forward', target: { group: '', kind: 'ConfigMap', namespace: 'web', name: 'api' } }, ...]
 */
import { groupOf, type KubeObject, type ObjectRef } from '../object/ref.ts';
import { allContainers, podTemplateOf, type PodSpec } from '../object/pod-template.ts';
import { isEmptyLabelSelector, type LabelSelector } from './selector.ts';

/** Why an object is a member: the edge that pulled it in, or `root` / `include` from the Bundle document. */
export type Via =
  | 'root'
  | 'include'
  | 'rendered'
  | 'env'
  | 'envFrom'
  | 'volume'
  | 'projected'
  | 'imagePullSecrets'
  | 'serviceAccountName'
  | 'priorityClassName'
  | 'selector'
  | 'podSelector'
  | 'backend'
  | 'backendRef'
  | 'tls'
  | 'scaleTargetRef'
  | 'subject'
  | 'roleRef';

export type Joins = 'forward' | 'reverse' | 'both';

/** A reference by name. `group` undefined means "any group" (an HPA target without apiVersion). */
export interface NameReference {
  by: 'name';
  via: Via;
  joins: Joins;
  target: Omit<ObjectRef, 'group'> & { group: string | undefined };
}

/** A reference to the workloads of a namespace whose pod template labels match. */
export interface SelectorReference {
  by: 'selector';
  via: Via;
  joins: Joins;
  namespace: string;
  /** A Service's plain map is given as `matchLabels`. */
  selector: LabelSelector;
}

export type Reference = NameReference | SelectorReference;

type Rec = Record<string, unknown>;

function rec(value: unknown): Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Rec) : {};
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Adds a reference by name to the list when `name` is a non-empty string (`namespace` defaults to the object's). */
type Named = (
  via: Via,
  joins: Joins,
  kind: string,
  group: string | undefined,
  name: unknown,
  namespace?: string,
) => void;

/** What a kind's rule reads and where it adds: the object, its spec, its namespace, `named` and the list itself. */
interface KindContext {
  obj: KubeObject;
  spec: Rec;
  ns: string;
  named: Named;
  out: Reference[];
}

/** Every reference `obj` makes, in a stable order. `namespace` is the object's effective namespace. */
export function referencesOf(obj: KubeObject): Reference[] {
  const ns = obj.metadata.namespace ?? '';
  const group = groupOf(obj.apiVersion);
  const out: Reference[] = [];
  const named: Named = (via, joins, kind, tgroup, name, namespace = ns) => {
    const n = str(name);
    if (n) out.push({ by: 'name', via, joins, target: { group: tgroup, kind, namespace, name: n } });
  };

  const template = podTemplateOf(obj);
  if (template) podSpecReferences(template.spec, named);

  KIND_REFERENCES.get(`${group}/${obj.kind}`)?.({ obj, spec: rec(obj.spec), ns, named, out });
  return out;
}

/** A Service selects the workloads whose pod labels match its plain selector map. */
function serviceReferences({ spec, ns, out }: KindContext): void {
  const selector = rec(spec.selector) as Record<string, string>;
  if (Object.keys(selector).length > 0)
    out.push({
      by: 'selector',
      via: 'selector',
      joins: 'both',
      namespace: ns,
      selector: { matchLabels: selector },
    });
}

/** An Ingress names the Services of its default and path backends and the Secrets of its TLS entries. */
function ingressReferences({ spec, named }: KindContext): void {
  const backend = (b: unknown) =>
    named('backend', 'both', 'Service', '', rec(rec(b).service).name ?? rec(b).serviceName);
  backend(spec.defaultBackend ?? spec.backend);
  for (const rule of arr(spec.rules)) for (const path of arr(rec(rec(rule).http).paths)) backend(rec(path).backend);
  for (const tls of arr(spec.tls)) named('tls', 'forward', 'Secret', '', rec(tls).secretName);
}

/** A Gateway API route names the Services of its rules' backendRefs (other backend kinds are left out). */
function routeReferences({ spec, ns, named }: KindContext): void {
  for (const rule of arr(spec.rules)) {
    for (const ref of arr(rec(rule).backendRefs)) {
      const r = rec(ref);
      if ((r.kind === undefined || r.kind === 'Service') && (r.group === undefined || r.group === '')) {
        named('backendRef', 'both', 'Service', '', r.name, str(r.namespace) ?? ns);
      }
    }
  }
}

/** An HPA names its scale target (any group when its apiVersion is left out). */
function hpaReferences({ spec, named }: KindContext): void {
  const t = rec(spec.scaleTargetRef);
  const kind = str(t.kind);
  if (kind)
    named('scaleTargetRef', 'both', kind, typeof t.apiVersion === 'string' ? groupOf(t.apiVersion) : undefined, t.name);
}

/** A PodDisruptionBudget selects workloads by its selector, unless it selects every pod. */
function pdbReferences({ spec, ns, out }: KindContext): void {
  const selector = spec.selector as LabelSelector | undefined;
  if (selector && !isEmptyLabelSelector(selector))
    out.push({ by: 'selector', via: 'selector', joins: 'both', namespace: ns, selector });
}

/** A NetworkPolicy joins the workloads its podSelector selects (reverse), unless it selects every pod. */
function networkPolicyReferences({ spec, ns, out }: KindContext): void {
  const selector = spec.podSelector as LabelSelector | undefined;
  if (selector && !isEmptyLabelSelector(selector))
    out.push({ by: 'selector', via: 'podSelector', joins: 'reverse', namespace: ns, selector });
}

/** A binding joins its ServiceAccount subjects (reverse) and brings its Role or ClusterRole. */
function bindingReferences({ obj, ns, named }: KindContext): void {
  for (const subject of arr(obj.subjects)) {
    const s = rec(subject);
    if (s.kind === 'ServiceAccount') named('subject', 'reverse', 'ServiceAccount', '', s.name, str(s.namespace) ?? ns);
  }
  const roleRef = rec(obj.roleRef);
  if (roleRef.kind === 'Role' && obj.kind === 'RoleBinding')
    named('roleRef', 'forward', 'Role', 'rbac.authorization.k8s.io', roleRef.name);
  if (roleRef.kind === 'ClusterRole')
    named('roleRef', 'forward', 'ClusterRole', 'rbac.authorization.k8s.io', roleRef.name, '');
}

/** The reference rule of each kind (`group/Kind`) beyond its pod template. */
const KIND_REFERENCES = new Map<string, (c: KindContext) => void>([
  ['/Service', serviceReferences],
  ['networking.k8s.io/Ingress', ingressReferences],
  ['extensions/Ingress', ingressReferences],
  ['gateway.networking.k8s.io/HTTPRoute', routeReferences],
  ['gateway.networking.k8s.io/GRPCRoute', routeReferences],
  ['gateway.networking.k8s.io/TCPRoute', routeReferences],
  ['gateway.networking.k8s.io/TLSRoute', routeReferences],
  ['gateway.networking.k8s.io/UDPRoute', routeReferences],
  ['autoscaling/HorizontalPodAutoscaler', hpaReferences],
  ['policy/PodDisruptionBudget', pdbReferences],
  ['networking.k8s.io/NetworkPolicy', networkPolicyReferences],
  ['rbac.authorization.k8s.io/RoleBinding', bindingReferences],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', bindingReferences],
]);

function podSpecReferences(
  spec: PodSpec,
  named: (via: Via, joins: Joins, kind: string, group: string, name: unknown, namespace?: string) => void,
): void {
  for (const c of allContainers(spec)) {
    for (const e of arr(c.env)) {
      const from = rec(rec(e).valueFrom);
      named('env', 'forward', 'ConfigMap', '', rec(from.configMapKeyRef).name);
      named('env', 'forward', 'Secret', '', rec(from.secretKeyRef).name);
    }
    for (const e of arr(c.envFrom)) {
      named('envFrom', 'forward', 'ConfigMap', '', rec(rec(e).configMapRef).name);
      named('envFrom', 'forward', 'Secret', '', rec(rec(e).secretRef).name);
    }
  }
  for (const v of arr(spec.volumes)) {
    const vol = rec(v);
    named('volume', 'forward', 'ConfigMap', '', rec(vol.configMap).name);
    named('volume', 'forward', 'Secret', '', rec(vol.secret).secretName);
    named('volume', 'forward', 'PersistentVolumeClaim', '', rec(vol.persistentVolumeClaim).claimName);
    named('volume', 'forward', 'Secret', '', rec(rec(vol.csi).nodePublishSecretRef).name);
    for (const source of arr(rec(vol.projected).sources)) {
      named('projected', 'forward', 'ConfigMap', '', rec(rec(source).configMap).name);
      named('projected', 'forward', 'Secret', '', rec(rec(source).secret).name);
    }
  }
  for (const s of arr(spec.imagePullSecrets)) named('imagePullSecrets', 'forward', 'Secret', '', rec(s).name);
  // The `default` ServiceAccount exists in every namespace; referring to it is not a dependency on the repo.
  const sa = str(spec.serviceAccountName) ?? str(spec.serviceAccount);
  if (sa && sa !== 'default') named('serviceAccountName', 'forward', 'ServiceAccount', '', sa);
  named('priorityClassName', 'forward', 'PriorityClass', 'scheduling.k8s.io', spec.priorityClassName, '');
}
