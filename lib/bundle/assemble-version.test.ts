import { describe, expect, it } from 'vitest';
import { loadObjects } from '../object/yaml.ts';
import { assembleVersion, type TargetMembers } from './assemble-version.ts';
import { splitBundleDocuments } from './bundle-doc.ts';
import { discoverMembers } from './discover.ts';

const doc = (spec: string) =>
  splitBundleDocuments({
    objects: loadObjects({
      files: [
        {
          path: 'web/bundle.yaml',
          text: `apiVersion: drover.dev/v1alpha1\nkind: Bundle\nmetadata: {name: web}\nspec:\n  kustomize: {}\n  targets: [{name: dev, path: web/dev}, {name: prod, path: web/prod}]\n${spec}`,
        },
      ],
    }),
  }).bundles[0]!;
const target = (bundle: ReturnType<typeof doc>, name: string, text: string): TargetMembers => ({
  name,
  ...discoverMembers({ bundle, objects: loadObjects({ files: [{ path: `web/${name} (kustomize build)`, text }] }) }),
  files: [`web/${name}/kustomization.yaml`],
});
const cm = (ns: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: ${ns}}\ndata: {a: b}\n`;
const assemble = (bundle: ReturnType<typeof doc>, targets: TargetMembers[], selfManaged?: boolean) =>
  assembleVersion({
    bundle,
    targets,
    parent: undefined,
    commits: null,
    headMessage: 'x',
    ...(selfManaged === undefined ? {} : { selfManaged }),
  });

describe('assembleVersion: what a target may hold', () => {
  it('refuses a target that renders nothing, naming it; with spec.allowEmpty cuts it, its layer empty', () => {
    const refused = doc('');
    expect(() => assemble(refused, [target(refused, 'dev', cm('shop')), target(refused, 'prod', '')])).toThrow(
      /^web\/bundle\.yaml: target prod of web renders no objects; set spec\.allowEmpty/,
    );
    const allowed = doc('  allowEmpty: true\n');
    const d = assemble(allowed, [target(allowed, 'dev', cm('shop')), target(allowed, 'prod', '')]);
    expect(d.kind === 'next' && d.pack).toEqual({
      targets: [
        { name: 'dev', objects: [expect.objectContaining({ kind: 'ConfigMap' })] },
        { name: 'prod', objects: [] },
      ],
    });
    expect(d.kind === 'next' && d.policy.allowEmpty).toBe(true);
  });

  it('refuses a namespaced member without a namespace unless spec.namespace gives one', () => {
    const pdb = 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec: {minAvailable: 1}\n';
    const bare = doc('');
    expect(() =>
      assemble(bare, [target(bare, 'dev', cm('shop')), target(bare, 'prod', `${cm('shop')}---\n${pdb}`)]),
    ).toThrow(
      /bundle web, target prod: 1 namespaced member\(s\) have no namespace .*PodDisruptionBudget\/web \(web\/prod \(kustomize build\):6\)/,
    );
    const withNs = doc('  namespace: shop\n');
    expect(
      assemble(withNs, [target(withNs, 'dev', cm('shop')), target(withNs, 'prod', `${cm('shop')}---\n${pdb}`)]).kind,
    ).toBe('next');
  });

  it('refuses a member in drover-system unless the bundle is self-managed', () => {
    const b = doc('');
    const targets = [target(b, 'dev', cm('drover-system')), target(b, 'prod', cm('drover-system'))];
    expect(() => assemble(b, targets)).toThrow(/target dev: ConfigMap\/drover-system\/web .*is in drover-system/);
    expect(assemble(b, targets, true).kind).toBe('next');
  });
});
