/**
 * Member discovery: from each Bundle document's roots (and `include`), follow
 * references (see references.ts) over every object in the repository to a
 * fixpoint. Every member records why it is in (`via` and the object it came
 * `from`), so `drover discover` can explain a bundle. Pure: the objects come
 * from `loadObjects`.
 *
 * Rules, in the order they apply:
 * - a bundle with `spec.paths` sees only the objects of the files those
 *   globs select (its roots included); a bundle without sees every file;
 * - a namespaced object written without a namespace takes the bundle's
 *   `spec.namespace` (cluster-scoped kinds, including CRDs of scope Cluster
 *   found in the repo, never do);
 * - `exclude` wins over everything; excluding a root is an error;
 * - a root that is not in the repository is an error naming the Bundle file;
 * - a reference to an object not in the repository is not an error (it may
 *   live in the cluster) but is listed in `unresolved`;
 * - an object reached by two bundles is an error naming both, unless every
 *   bundle reaching it lists it in `spec.shared`.
 *
 * @example
 *   const { bundles } = discoverBundles({ objects: loadObjects({ files }) });
 *   bundles[0].members.map((m) => `${formatRef(m.ref)} via ${m.why.via}`)
 */
import { ConflictError, InvalidInputError } from '../errors/errors.ts';

import { contentDigest, type ContentDigest } from '../object/canonical.ts';

import { podTemplateOf } from '../object/pod-template.ts';

import { formatRef, groupOf, refKey, refOf, type KubeObject, type ObjectRef } from '../object/ref.ts';

import { clusterScopedCustomKinds, isClusterScoped } from '../object/scope.ts';

import type { FileFailure, LoadedObject } from '../object/yaml.ts';
import {
  BUNDLE_GROUP,
  memberNamespaceOf,
  splitBundleDocuments,
  type BundleDocument,
  type RootRef,
} from './bundle-doc.ts';

import { referencesOf, type NameReference, type Via } from './references.ts';

import { matchesAnyObjectSelector, matchesLabelSelector } from './selector.ts';

import { checkPathPattern, compilePathFilter } from './path-filter.ts';

/** Why an object is in a bundle: the edge and the object at its other end (the Bundle document for root and include). */
export interface MemberReason {
  via: Via;
  from: ObjectRef;
}

export interface Member {
  ref: ObjectRef;
  /** The object as it will be applied: namespace defaulted from the bundle. */
  object: KubeObject;
  file: string;
  line: number;
  /** sha256 of the object's canonical JSON. */
  digest: ContentDigest;
  why: MemberReason;
  /** True when the bundle declares it in `spec.shared`. */
  shared: boolean;
}

/** A reference from a member to an object not in the repository. */
export interface UnresolvedReference {
  from: ObjectRef;
  via: Via;
  target: NameReference['target'];
}

export interface BundleMembers {
  bundle: BundleDocument;
  /** Sorted by namespace, group, kind, name. */
  members: Member[];
  unresolved: UnresolvedReference[];
}

/** A bundle not discovered because a file it could take members from failed to load. */
export interface BlockedBundle {
  bundle: BundleDocument;
  failures: FileFailure[];
}

export interface BundleDiscovery {
  /** Sorted by bundle name. */
  bundles: BundleMembers[];
  /** Bundles left out because a file in their scope failed to load (without `spec.paths`, any file). */
  blocked: BlockedBundle[];
  /** Objects that belong to no bundle, in input order. */
  unbundled: LoadedObject[];
}

interface Node {
  loaded: LoadedObject;
  object: KubeObject;
  ref: ObjectRef;
  key: string;
}

interface Edge {
  via: Via;
  node: Node;
}

/** The object graph as one bundle sees it (namespaces defaulted from its spec.namespace). */
interface Graph {
  nodes: Node[];
  byKey: Map<string, Node>;
  forward: Map<Node, { edges: Edge[]; unresolved: UnresolvedReference[] }>;
  reverse: Map<Node, Edge[]>;
}

/** The objects of the files `paths` select. */
function candidatesIn(candidates: readonly LoadedObject[], paths: readonly string[]): LoadedObject[] {
  const filter = compilePathFilter(paths.map(checkPathPattern));
  return candidates.filter((o) => filter.matches(o.file));
}

/**
 * Discovers the members of every bundle declared among `objects` (Bundle
 * documents included). `failures` are files that failed to load: a bundle
 * whose `spec.paths` select one of them, or any bundle without paths, is
 * blocked (left out, listed in `blocked`) since its members may be in them;
 * the others are discovered as usual.
 */
export function discoverBundles({
  objects,
  failures = [],
}: {
  objects: readonly LoadedObject[];
  failures?: readonly FileFailure[];
}): BundleDiscovery {
  const { bundles: declared, objects: candidates } = splitBundleDocuments({ objects });
  const blocked: BlockedBundle[] = [];
  const bundles = declared.filter((bundle) => {
    const filter = bundle.spec.paths ? compilePathFilter(bundle.spec.paths.map(checkPathPattern)) : undefined;
    const mine = failures.filter((f) => !filter || filter.matches(f.file));
    if (mine.length > 0) blocked.push({ bundle, failures: mine });
    return mine.length === 0;
  });
  const clusterKinds = clusterScopedCustomKinds(candidates.map((o) => o.object));
  const graphs = new Map<string, Graph>();
  const graphFor = (bundle: BundleDocument): Graph => {
    const namespace = memberNamespaceOf(bundle.spec) ?? '';
    const key = `${namespace}\n${bundle.spec.paths?.join('\n') ?? '*'}`;
    let g = graphs.get(key);
    if (!g) {
      const inScope = bundle.spec.paths ? candidatesIn(candidates, bundle.spec.paths) : candidates;
      graphs.set(key, (g = buildGraph(inScope, namespace, clusterKinds)));
    }
    return g;
  };

  const results = bundles.map((bundle) => discoverOne(bundle, graphFor(bundle), clusterKinds));
  checkClaims(results);

  const claimed = new Set<LoadedObject>();
  for (const r of results) for (const m of r.members) claimed.add(m.loadedFrom);
  return {
    bundles: results.map(({ bundle, members, unresolved }) => ({
      bundle,
      members: members.map(({ loadedFrom: _, ...m }) => m),
      unresolved,
    })),
    blocked,
    unbundled: candidates.filter((o) => !claimed.has(o)),
  };
}

/**
 * The members of one bundle among objects a renderer produced for one of its
 * targets: every object when the bundle names no roots (a kustomize bundle
 * takes what its kustomization renders), else those its roots reach, as
 * discovery does in plain YAML. Namespaces are defaulted from spec.namespace
 * (a Helm bundle's: its release namespace, when given) either way.
 */
export function discoverMembers({
  bundle,
  objects,
}: {
  bundle: BundleDocument;
  objects: readonly LoadedObject[];
}): BundleMembers {
  const clusterKinds = clusterScopedCustomKinds(objects.map((o) => o.object));
  const graph = buildGraph(objects, memberNamespaceOf(bundle.spec) ?? '', clusterKinds);
  if (bundle.spec.roots.length === 0) {
    const self = bundleRef(bundle);
    const members = [...graph.nodes].sort(byRef).map((node) => ({
      ref: node.ref,
      object: node.object,
      file: node.loaded.file,
      line: node.loaded.line,
      digest: contentDigest(node.object),
      why: { via: 'rendered' as const, from: self },
      shared: matchesAnyObjectSelector({ selectors: bundle.spec.shared, object: node.object }),
    }));
    return {
      bundle,
      members,
      unresolved: dedupeUnresolved(graph.nodes.flatMap((n) => graph.forward.get(n)!.unresolved)),
    };
  }
  const { members, unresolved } = discoverOne(bundle, graph, clusterKinds);
  return { bundle, members: members.map(({ loadedFrom: _, ...m }) => m), unresolved };
}

function withNamespace(obj: KubeObject, namespace: string): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, namespace } };
}

function buildGraph(
  candidates: readonly LoadedObject[],
  defaultNamespace: string,
  clusterKinds: ReadonlySet<string>,
): Graph {
  const nodes: Node[] = candidates.map((loaded) => {
    const o = loaded.object;
    const object =
      !o.metadata.namespace && defaultNamespace && !isClusterScoped(o, clusterKinds)
        ? withNamespace(o, defaultNamespace)
        : o;
    const ref = refOf(object);
    return { loaded, object, ref, key: refKey(ref) };
  });
  const byKey = new Map<string, Node>();
  const byKindName = new Map<string, Node[]>();
  const workloadsByNamespace = new Map<string, { node: Node; labels: Record<string, string> }[]>();
  for (const node of nodes) {
    // Two raw objects can meet at one key only when defaulting gives an unnamespaced one the namespace of another.
    if (byKey.has(node.key)) {
      const first = byKey.get(node.key)!;
      throw new InvalidInputError(
        `duplicate object ${formatRef(node.ref)} once namespace "${defaultNamespace}" is applied: ${first.loaded.file}:${first.loaded.line} and ${node.loaded.file}:${node.loaded.line}`,
        { data: { object: formatRef(node.ref), files: [first.loaded.file, node.loaded.file], reason: 'duplicate' } },
      );
    }
    byKey.set(node.key, node);
    const kn = `${node.ref.kind}|${node.ref.namespace}|${node.ref.name}`;
    byKindName.set(kn, [...(byKindName.get(kn) ?? []), node]);
    const template = podTemplateOf(node.object);
    if (template) {
      const list = workloadsByNamespace.get(node.ref.namespace) ?? [];
      list.push({ node, labels: template.labels });
      workloadsByNamespace.set(node.ref.namespace, list);
    }
  }

  const forward = new Map<Node, { edges: Edge[]; unresolved: UnresolvedReference[] }>();
  const reverse = new Map<Node, Edge[]>();
  for (const node of nodes) {
    const fwd = { edges: [] as Edge[], unresolved: [] as UnresolvedReference[] };
    forward.set(node, fwd);
    for (const r of referencesOf(node.object)) {
      let targets: Node[];
      if (r.by === 'name') {
        const t = r.target;
        targets =
          t.group === undefined
            ? (byKindName.get(`${t.kind}|${t.namespace}|${t.name}`) ?? [])
            : [byKey.get(refKey({ ...t, group: t.group }))].filter((n): n is Node => n !== undefined);
        if (targets.length === 0 && r.joins !== 'reverse')
          fwd.unresolved.push({ from: node.ref, via: r.via, target: r.target });
      } else {
        targets = (workloadsByNamespace.get(r.namespace) ?? [])
          .filter((w) => w.node !== node && matchesLabelSelector({ selector: r.selector, labels: w.labels }))
          .map((w) => w.node);
      }
      for (const target of targets) {
        if (r.joins !== 'reverse') fwd.edges.push({ via: r.via, node: target });
        if (r.joins !== 'forward') reverse.set(target, [...(reverse.get(target) ?? []), { via: r.via, node }]);
      }
    }
  }
  return { nodes, byKey, forward, reverse };
}

interface FoundMember extends Member {
  loadedFrom: LoadedObject;
}

interface Found {
  bundle: BundleDocument;
  members: FoundMember[];
  unresolved: UnresolvedReference[];
}

function bundleRef(bundle: BundleDocument): ObjectRef {
  return { group: BUNDLE_GROUP, kind: 'Bundle', namespace: '', name: bundle.name };
}

function describeRoot(root: RootRef): string {
  return `${root.kind}/${root.namespace ? `${root.namespace}/` : ''}${root.name}`;
}

function findRoot(bundle: BundleDocument, root: RootRef, graph: Graph, clusterKinds: ReadonlySet<string>): Node {
  const fail = (why: string, data: Record<string, unknown> = {}) =>
    new InvalidInputError(`${bundle.file}:${bundle.line}: bundle "${bundle.name}": root ${describeRoot(root)} ${why}`, {
      data: { file: bundle.file, line: bundle.line, bundle: bundle.name, root, ...data },
    });
  const wantNamespace = root.namespace ?? memberNamespaceOf(bundle.spec);
  const matches = graph.nodes.filter((n) => {
    if (n.ref.kind !== root.kind || n.ref.name !== root.name) return false;
    if (root.apiVersion !== undefined && n.ref.group !== groupOf(root.apiVersion)) return false;
    if (isClusterScoped(n.object, clusterKinds)) return true;
    return wantNamespace === undefined || n.ref.namespace === wantNamespace;
  });
  if (matches.length === 0) throw fail('is not in the repository');
  if (matches.length > 1) {
    const found = matches.map((n) => `${formatRef(n.ref)} (${n.loaded.file})`);
    throw fail(`is ambiguous: ${found.join(', ')}; give its namespace or apiVersion`, { candidates: found });
  }
  return matches[0]!;
}

function discoverOne(bundle: BundleDocument, graph: Graph, clusterKinds: ReadonlySet<string>): Found {
  const { spec } = bundle;
  const excluded = (n: Node) => matchesAnyObjectSelector({ selectors: spec.exclude, object: n.object });
  const members = new Map<Node, MemberReason>();
  const queue: Node[] = [];
  const add = (node: Node, why: MemberReason) => {
    if (members.has(node) || excluded(node)) return;
    members.set(node, why);
    queue.push(node);
  };

  const self = bundleRef(bundle);
  for (const root of spec.roots) {
    const node = findRoot(bundle, root, graph, clusterKinds);
    if (excluded(node)) {
      throw new InvalidInputError(
        `${bundle.file}:${bundle.line}: bundle "${bundle.name}": root ${formatRef(node.ref)} is also excluded`,
        {
          data: { file: bundle.file, line: bundle.line, bundle: bundle.name, root },
        },
      );
    }
    add(node, { via: 'root', from: self });
  }
  if (spec.include.length > 0) {
    const included = graph.nodes.filter((n) => matchesAnyObjectSelector({ selectors: spec.include, object: n.object }));
    for (const n of included.sort(byRef)) add(n, { via: 'include', from: self });
  }

  const unresolved: UnresolvedReference[] = [];
  while (queue.length > 0) {
    const node = queue.shift()!;
    const fwd = graph.forward.get(node)!;
    unresolved.push(...fwd.unresolved);
    for (const e of fwd.edges) add(e.node, { via: e.via, from: node.ref });
    for (const e of graph.reverse.get(node) ?? []) add(e.node, { via: e.via, from: node.ref });
  }

  const found: FoundMember[] = [...members]
    .sort(([a], [b]) => byRef(a, b))
    .map(([node, why]) => ({
      ref: node.ref,
      object: node.object,
      file: node.loaded.file,
      line: node.loaded.line,
      digest: contentDigest(node.object),
      why,
      shared: matchesAnyObjectSelector({ selectors: spec.shared, object: node.object }),
      loadedFrom: node.loaded,
    }));
  return { bundle, members: found, unresolved: dedupeUnresolved(unresolved) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byRef(a: { ref: ObjectRef }, b: { ref: ObjectRef }): number {
  return (
    cmp(a.ref.namespace, b.ref.namespace) ||
    cmp(a.ref.group, b.ref.group) ||
    cmp(a.ref.kind, b.ref.kind) ||
    cmp(a.ref.name, b.ref.name)
  );
}

function dedupeUnresolved(list: UnresolvedReference[]): UnresolvedReference[] {
  const seen = new Map<string, UnresolvedReference>();
  for (const u of list) {
    const key = `${refKey(u.from)}>${u.via}>${u.target.group ?? '*'}|${u.target.kind}|${u.target.namespace}|${u.target.name}`;
    if (!seen.has(key)) seen.set(key, u);
  }
  return [...seen.entries()].sort(([a], [b]) => cmp(a, b)).map(([, u]) => u);
}

export interface ClaimConflict {
  object: string;
  bundles: { name: string; file: string; via: Via; from: string; shared: boolean }[];
}

function checkClaims(results: readonly Found[]): void {
  const claims = new Map<string, { result: Found; member: Member }[]>();
  for (const result of results) {
    for (const member of result.members) {
      const key = refKey(member.ref);
      claims.set(key, [...(claims.get(key) ?? []), { result, member }]);
    }
  }
  const conflicts: ClaimConflict[] = [];
  for (const list of claims.values()) {
    if (list.length < 2 || list.every((c) => c.member.shared)) continue;
    conflicts.push({
      object: formatRef(list[0]!.member.ref),
      bundles: list.map(({ result, member }) => ({
        name: result.bundle.name,
        file: result.bundle.file,
        via: member.why.via,
        from: formatRef(member.why.from),
        shared: member.shared,
      })),
    });
  }
  if (conflicts.length === 0) return;
  const text = conflicts.map(
    (c) =>
      `${c.object} is claimed by ${c.bundles.map((b) => `bundle "${b.name}" (${b.file}; ${b.via} from ${b.from})`).join(' and ')}`,
  );
  throw new ConflictError(
    `${text.join('; ')}: list it in spec.shared of every bundle that reaches it, or exclude it from all but one`,
    { data: { conflicts } },
  );
}
