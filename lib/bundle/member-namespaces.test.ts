import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { loadObjects } from '../object/yaml.ts';
import type { BundleSpec } from './bundle-doc.ts';
import { checkMemberNamespaces } from './member-namespaces.ts';

const members = (text: string) =>
  loadObjects({ files: [{ path: 'web/all.yaml', text }] }).map((o) => ({
    object: o.object,
    file: o.file,
    line: o.line,
  }));
type Spec = Pick<BundleSpec, 'namespace' | 'helm' | 'kustomize'>;
const plain: Spec = {};
const helm = (namespace: string | undefined): Spec => ({
  helm: {
    chart: 'charts/web',
    releaseName: 'web',
    namespace: namespace ?? 'default',
    namespaceGiven: namespace !== undefined,
    values: [],
    set: {},
    hooks: 'refuse',
    allowRemote: false,
  },
});
const kustomize: Spec = { kustomize: { path: 'web/k', allowRemote: false } };

const pdb = 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec: {minAvailable: 1}\n';
const cm = (ns: string, name = 'web') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${ns}}\n`;
const clusterRole = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: web}\n';
const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;
const crd = (scope: string) =>
  `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec: {group: example.com, scope: ${scope}, names: {kind: Widget, plural: widgets}}\n`;
const widget = 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n';

function refusal(args: Parameters<typeof checkMemberNamespaces>[0]): InvalidInputError | undefined {
  try {
    checkMemberNamespaces(args);
  } catch (e) {
    if (e instanceof InvalidInputError) return e;
    throw e;
  }
  return undefined;
}

describe('checkMemberNamespaces', () => {
  it.each([
    ['a namespaced member with its namespace', plain, cm('shop'), {}],
    [
      'cluster-scoped built-in kinds without one (ClusterRole, Namespace)',
      plain,
      `${clusterRole}---\n${namespace('shop')}`,
      {},
    ],
    ['a custom kind its CRD among the members says is cluster scoped', plain, `${crd('Cluster')}---\n${widget}`, {}],
    [
      'a custom kind the repository declares cluster scoped',
      plain,
      widget,
      { clusterKinds: new Set(['example.com/Widget']) },
    ],
    ['a Helm member when the release namespace is given (discovery defaults it there)', helm('shop'), pdb, {}],
    [
      'drover-system members of a self-managed bundle',
      plain,
      `${cm('drover-system')}---\n${namespace('drover-system')}`,
      { selfManaged: true },
    ],
  ] as [string, Spec, string, Record<string, unknown>][])('accepts %s', (_what, spec, text, extra) => {
    expect(
      refusal({
        bundle: { name: 'web', file: 'web/bundle.yaml', spec },
        target: 'dev',
        members: members(text),
        ...extra,
      }),
    ).toBeUndefined();
  });

  it.each([
    [
      'a namespaced member with no namespace (plain YAML)',
      plain,
      `${cm('shop')}---\n${pdb}`,
      {},
      'missing-namespace',
      ['PodDisruptionBudget/web'],
      /^web\/bundle\.yaml: bundle web, target dev: 1 namespaced member\(s\) have no namespace and the bundle gives none: PodDisruptionBudget\/web \(web\/all\.yaml:5\); set spec\.namespace, or give each its metadata\.namespace$/,
    ],
    [
      'a kustomize member with no namespace',
      kustomize,
      pdb,
      {},
      'missing-namespace',
      ['PodDisruptionBudget/web'],
      /set spec\.namespace \(or `namespace:` in the kustomization\)/,
    ],
    [
      'a Helm member with no namespace and no release namespace given',
      helm(undefined),
      pdb,
      {},
      'missing-namespace',
      ['PodDisruptionBudget/web'],
      /set spec\.namespace \(or spec\.helm\.namespace\)/,
    ],
    [
      'a custom kind with no CRD (taken to be namespaced)',
      plain,
      widget,
      {},
      'missing-namespace',
      ['Widget/w'],
      /a custom kind \(Widget\) is taken to be namespaced unless its CustomResourceDefinition with scope: Cluster is in the repository/,
    ],
    [
      'a custom kind whose CRD says Namespaced',
      plain,
      `${crd('Namespaced')}---\n${widget}`,
      {},
      'missing-namespace',
      ['Widget/w'],
      /Widget\/w/,
    ],
    [
      'a member in drover-system',
      plain,
      cm('drover-system'),
      {},
      'reserved-namespace',
      ['ConfigMap/drover-system/web'],
      /ConfigMap\/drover-system\/web \(web\/all\.yaml:1\) is in drover-system, Drover's own namespace; only a bundle drover\.yaml names under selfManaged/,
    ],
    [
      'the Namespace drover-system itself',
      plain,
      namespace('drover-system'),
      {},
      'reserved-namespace',
      ['Namespace/drover-system'],
      /Namespace\/drover-system .*is in drover-system/,
    ],
    [
      'an inventory, even from a self-managed bundle',
      plain,
      cm('drover-system', 'inventory-api'),
      { selfManaged: true },
      'inventory',
      ['ConfigMap/drover-system/inventory-api'],
      /ships ConfigMap\/drover-system\/inventory-api \(web\/all\.yaml:1\): an inventory is Drover's record of what a bundle owns/,
    ],
    [
      'an object labelled as an inventory elsewhere',
      plain,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: shop, labels: {drover.dev/inventory: "true"}}\n',
      { selfManaged: true },
      'inventory',
      ['ConfigMap/shop/x'],
      /an inventory/,
    ],
  ] as [string, Spec, string, Record<string, unknown>, string, string[], RegExp][])(
    'refuses %s, naming each object and its file',
    (_what, spec, text, extra, reason, refs, message) => {
      const err = refusal({
        bundle: { name: 'web', file: 'web/bundle.yaml', spec },
        target: 'dev',
        members: members(text),
        ...extra,
      });
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(err!.message).toMatch(message);
      expect(err!.data).toMatchObject({ bundle: 'web', file: 'web/bundle.yaml', target: 'dev', reason });
      expect((err!.data.members as { ref: string; file: string }[]).map((m) => m.ref)).toEqual(refs);
      expect((err!.data.members as { file: string }[]).every((m) => m.file === 'web/all.yaml')).toBe(true);
    },
  );
});
