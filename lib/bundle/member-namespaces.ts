/**
 * Where a target's members may go, checked at cut so that nothing fails only
 * at deploy time. Pure. In the order they are checked:
 * - an inventory (a ConfigMap `drover-system/inventory-*`, or any object
 *   labelled `drover.dev/inventory`) is Drover's record of what a bundle owns
 *   on a cluster: no bundle may ship one, self-managed or not;
 * - Drover's own namespace, `drover-system` (members in it, or the Namespace
 *   itself), is reserved to the bundles drover.yaml names under
 *   `selfManaged` (Drover deploying itself);
 * - a namespaced member with no namespace, in a bundle that gives none
 *   (spec.namespace; for Helm, its release namespace: see
 *   `memberNamespaceOf`), is refused: the API server would refuse it at
 *   deploy with "the server could not find the requested resource".
 *
 * Scope: built-in kinds come from lib/object/scope.ts; a custom kind is
 * cluster scoped when a CustomResourceDefinition among the members (or in
 * `clusterKinds`: the repository's, for plain YAML) says `scope: Cluster`.
 * Any other custom kind is taken to be namespaced, as discovery takes it when
 * it defaults namespaces; the refusal says how to declare it.
 *
 * @example
 *   checkMemberNamespaces({ bundle, target: 'dev', members, selfManaged: false })
 *   // throws "bundle.yaml: bundle web, target dev: 1 namespaced member(s) have no namespace ..."
 */
import { InvalidInputError } from '../errors/errors.ts';
import { formatRef, groupOf, type KubeObject, refOf } from '../object/ref.ts';
import { clusterScopedCustomKinds, isClusterScoped } from '../object/scope.ts';
import { type BundleSpec, memberNamespaceOf } from './bundle-doc.ts';

/** Drover's own namespace: its inventories, its prior-state records, and Drover itself when it deploys itself. */
export const RESERVED_NAMESPACE = 'drover-system';
export const INVENTORY_LABEL = 'drover.dev/inventory';

export interface PlacedMember {
  object: KubeObject;
  file: string;
  line: number;
}

/** Groups of built-in kinds: a kind of one of them is in the scope table or namespaced, never a custom resource. */
const isBuiltInGroup = (group: string) =>
  ['', 'apps', 'batch', 'policy', 'autoscaling'].includes(group) || group.endsWith('.k8s.io');

const isInventory = (o: KubeObject) =>
  o.metadata.labels?.[INVENTORY_LABEL] !== undefined ||
  (o.apiVersion === 'v1' &&
    o.kind === 'ConfigMap' &&
    o.metadata.namespace === RESERVED_NAMESPACE &&
    o.metadata.name.startsWith('inventory-'));

const inReserved = (o: KubeObject) =>
  o.metadata.namespace === RESERVED_NAMESPACE ||
  (o.apiVersion === 'v1' && o.kind === 'Namespace' && o.metadata.name === RESERVED_NAMESPACE);

export function checkMemberNamespaces({
  bundle,
  target,
  members,
  clusterKinds = new Set(),
  selfManaged = false,
}: {
  bundle: { name: string; file: string; spec: Pick<BundleSpec, 'namespace' | 'helm' | 'kustomize'> };
  /** Undefined for a bundle without targets. */
  target: string | undefined;
  members: readonly PlacedMember[];
  /** Custom kinds known to be cluster scoped beyond the members' own CRDs (`group/Kind`). */
  clusterKinds?: ReadonlySet<string>;
  /** drover.yaml names the bundle under `selfManaged`. */
  selfManaged?: boolean;
}): void {
  const where = `${bundle.file}: bundle ${bundle.name}${target ? `, target ${target}` : ''}`;
  const named = (m: PlacedMember) => ({ ref: formatRef(refOf(m.object)), file: m.file, line: m.line });
  const listed = (ms: readonly PlacedMember[]) =>
    ms.map((m) => `${formatRef(refOf(m.object))} (${m.file}:${m.line})`).join(', ');
  const data = (reason: string, ms: readonly PlacedMember[]) => ({
    bundle: bundle.name,
    file: bundle.file,
    ...(target ? { target } : {}),
    reason,
    members: ms.map(named),
  });

  const inventories = members.filter((m) => isInventory(m.object));
  if (inventories.length > 0) {
    throw new InvalidInputError(
      `${where}: ships ${listed(inventories)}: an inventory is Drover's record of what a bundle owns on a cluster, and no bundle may ship one`,
      { data: data('inventory', inventories) },
    );
  }
  const reserved = members.filter((m) => inReserved(m.object));
  if (reserved.length > 0 && !selfManaged) {
    throw new InvalidInputError(
      `${where}: ${listed(reserved)} ${reserved.length === 1 ? 'is' : 'are'} in ${RESERVED_NAMESPACE}, Drover's own namespace; only a bundle drover.yaml names under selfManaged (Drover deploying itself) may ship objects there`,
      { data: data('reserved-namespace', reserved) },
    );
  }
  if (memberNamespaceOf(bundle.spec) !== undefined) return;
  const custom = new Set([...clusterKinds, ...clusterScopedCustomKinds(members.map((m) => m.object))]);
  const missing = members.filter((m) => !m.object.metadata.namespace && !isClusterScoped(m.object, custom));
  if (missing.length === 0) return;
  const give = bundle.spec.helm
    ? 'set spec.namespace (or spec.helm.namespace)'
    : bundle.spec.kustomize
      ? 'set spec.namespace (or `namespace:` in the kustomization)'
      : 'set spec.namespace';
  const customMissing = missing.filter((m) => !isBuiltInGroup(groupOf(m.object.apiVersion)));
  const customHint = customMissing.length
    ? `; a custom kind (${[...new Set(customMissing.map((m) => m.object.kind))].join(', ')}) is taken to be namespaced unless its CustomResourceDefinition with scope: Cluster is in the ${bundle.spec.helm || bundle.spec.kustomize ? 'render' : 'repository'}`
    : '';
  throw new InvalidInputError(
    `${where}: ${missing.length} namespaced member(s) have no namespace and the bundle gives none: ${listed(missing)}; ${give}, or give each its metadata.namespace${customHint}`,
    { data: data('missing-namespace', missing) },
  );
}
