import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { loadObjects } from '../object/yaml.ts';
import { memberNamespaceOf, splitBundleDocuments, validateBundleDocument } from './bundle-doc.ts';

function validateYaml(text: string) {
  const [doc] = loadObjects({ files: [{ path: 'bundles/web.yaml', text }] });
  return validateBundleDocument({ object: doc!.object, file: doc!.file, line: doc!.line });
}

describe('Bundle documents', () => {
  it('fills in defaults', () => {
    const b = validateYaml(`
apiVersion: drover.dev/v1alpha1
kind: Bundle
metadata: {name: web}
spec:
  roots: [{kind: Deployment, name: api}]
`);
    expect(b).toEqual({
      name: 'web',
      file: 'bundles/web.yaml',
      line: 2,
      spec: {
        roots: [{ kind: 'Deployment', name: 'api' }],
        include: [],
        exclude: [],
        shared: [],
        adopt: [],
        allowEmpty: false,
        createNamespace: false,
        versioning: { bump: 'patch' },
        lint: {},
        allowPlaintextSecrets: false,
        recreateOnImmutableChange: false,
        prune: { enabled: true, protected: false, propagationPolicy: 'Background' },
      },
    });
  });

  it('keeps every field given', () => {
    const b = validateYaml(`
apiVersion: drover.dev/v1alpha1
kind: Bundle
metadata: {name: web, labels: {team: a}}
spec:
  namespace: web
  roots: [{apiVersion: apps/v1, kind: Deployment, name: api, namespace: other}]
  include: [{kind: ConfigMap, name: "feature-*"}]
  exclude: [{kind: Secret, labels: {owner: platform}}]
  shared: [{kind: PriorityClass}]
  versioning: {bump: minor}
  lint: {missing-readiness-probe: error, replicas-without-spread: off}
  allowPlaintextSecrets: true
  recreateOnImmutableChange: true
  prune: {enabled: false, propagationPolicy: Foreground}
`);
    expect(b.spec).toMatchObject({
      namespace: 'web',
      include: [{ kind: 'ConfigMap', name: 'feature-*' }],
      versioning: { bump: 'minor' },
      lint: { 'missing-readiness-probe': 'error', 'replicas-without-spread': 'off' },
      allowPlaintextSecrets: true,
      prune: { enabled: false, protected: false, propagationPolicy: 'Foreground' },
    });
  });

  it.each([
    { name: 'no roots', spec: 'roots: []', problem: 'spec.roots: must NOT have fewer than 1 items' },
    {
      name: 'a root without a name',
      spec: 'roots: [{kind: Deployment}]',
      problem: "spec.roots[0]: must have required property 'name'",
    },
    {
      name: 'an unknown field',
      spec: 'roots: [{kind: Deployment, name: a}]\n  rootz: []',
      problem: 'spec: unknown field "rootz"',
    },
    {
      name: 'a bad bump',
      spec: 'roots: [{kind: Deployment, name: a}]\n  versioning: {bump: huge}',
      problem: 'spec.versioning.bump: must be one of patch, minor, major',
    },
    {
      name: 'an unknown lint rule',
      spec: 'roots: [{kind: Deployment, name: a}]\n  lint: {no-such-rule: off}',
      problem: 'spec.lint: unknown key "no-such-rule"',
    },
    {
      name: 'a bad severity',
      spec: 'roots: [{kind: Deployment, name: a}]\n  lint: {missing-readiness-probe: fatal}',
      problem: 'spec.lint.missing-readiness-probe: must be one of off, warning, error',
    },
    {
      name: 'an empty selector',
      spec: 'roots: [{kind: Deployment, name: a}]\n  exclude: [{}]',
      problem: 'spec.exclude[0]: must NOT have fewer than 1 properties',
    },
    {
      name: 'a non-boolean flag',
      spec: 'roots: [{kind: Deployment, name: a}]\n  allowPlaintextSecrets: "yes"',
      problem: 'spec.allowPlaintextSecrets: must be boolean',
    },
  ])('refuses $name, naming the file and JSON path', ({ spec, problem }) => {
    const text = `apiVersion: drover.dev/v1alpha1\nkind: Bundle\nmetadata: {name: web}\nspec:\n  ${spec}\n`;
    let err: unknown;
    try {
      validateYaml(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    const e = err as InvalidInputError;
    expect(e.message).toMatch(/^bundles\/web\.yaml:1: invalid Bundle "web": /);
    expect(e.message).toContain(problem);
    expect(e.data.file).toBe('bundles/web.yaml');
  });

  it.each([
    {
      name: 'an upper-case name',
      text: 'apiVersion: drover.dev/v1alpha1\nkind: Bundle\nmetadata: {name: Web}\nspec: {roots: [{kind: Deployment, name: a}]}',
      problem: 'metadata.name: must match pattern',
    },
    {
      name: 'an unknown version',
      text: 'apiVersion: drover.dev/v9\nkind: Bundle\nmetadata: {name: web}\nspec: {roots: [{kind: Deployment, name: a}]}',
      problem: 'apiVersion: must be "drover.dev/v1alpha1"',
    },
    {
      name: 'a namespace on the document',
      text: 'apiVersion: drover.dev/v1alpha1\nkind: Bundle\nmetadata: {name: web, namespace: x}\nspec: {roots: [{kind: Deployment, name: a}]}',
      problem: 'metadata: unknown field "namespace"',
    },
  ])('refuses $name', ({ text, problem }) => {
    expect(() => validateYaml(text)).toThrow(problem);
  });

  it('splits Bundle documents from member candidates', () => {
    const objects = loadObjects({
      files: [
        {
          path: 'b.yaml',
          text: 'apiVersion: drover.dev/v1alpha1\nkind: Bundle\nmetadata: {name: zeta}\nspec: {roots: [{kind: Deployment, name: a}]}\n---\napiVersion: drover.dev/v1alpha1\nkind: Bundle\nmetadata: {name: alpha}\nspec: {roots: [{kind: Deployment, name: a}]}',
        },
        {
          path: 'a.yaml',
          text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\napiVersion: example.com/v1\nkind: Bundle\nmetadata: {name: not-ours}\n',
        },
      ],
    });
    const { bundles, objects: rest } = splitBundleDocuments({ objects });
    expect(bundles.map((b) => b.name)).toEqual(['alpha', 'zeta']);
    expect(rest.map((o) => `${o.object.kind}/${o.object.metadata.name}`)).toEqual(['Deployment/a', 'Bundle/not-ours']);
  });
});

describe('Bundle documents with a renderer', () => {
  const doc = (spec: string) => `apiVersion: drover.dev/v1alpha1\nkind: Bundle\nmetadata: {name: web}\nspec:\n${spec}`;
  it('gives a helm bundle its defaults: release name, namespace, no values, hooks refused, nothing fetched', () => {
    const b = validateYaml(
      doc(
        '  namespace: shop\n  helm: {chart: charts/web}\n  targets: [{name: dev, values: [charts/web/values-dev.yaml]}, {name: prod, set: {replicaCount: 3}}]\n',
      ),
    );
    expect(b.spec.roots).toEqual([]);
    expect(b.spec.helm).toEqual({
      chart: 'charts/web',
      releaseName: 'web',
      namespace: 'shop',
      namespaceGiven: true,
      values: [],
      set: {},
      hooks: 'refuse',
      allowRemote: false,
    });
    expect(b.spec.targets).toEqual([
      { name: 'dev', values: ['charts/web/values-dev.yaml'] },
      { name: 'prod', set: { replicaCount: 3 } },
    ]);
  });
  it.each([
    ['spec.helm.namespace', '  helm: {chart: charts/web, namespace: shop}\n', 'shop', true, 'shop'],
    ['spec.namespace', '  namespace: shop\n  helm: {chart: charts/web}\n', 'shop', true, 'shop'],
    ["neither (Helm's default, never given to a member)", '  helm: {chart: charts/web}\n', 'default', false, undefined],
  ])('takes the release namespace from %s', (_what, spec, release, given, member) => {
    const b = validateYaml(doc(spec));
    expect([b.spec.helm!.namespace, b.spec.helm!.namespaceGiven]).toEqual([release, given]);
    expect(memberNamespaceOf(b.spec)).toBe(member);
  });
  it.each([
    ['two renderers', '  kustomize: {path: k}\n  helm: {chart: c}\n', /spec\.helm: a bundle has one renderer/],
    [
      'patches on a helm target',
      '  helm: {chart: c}\n  targets: [{name: dev, patches: [{target: {kind: Deployment, name: web}, merge: {}}]}]\n',
      /spec\.targets\[0\]\.patches: patches are for plain YAML bundles; with helm, set values/,
    ],
    [
      'a kustomization path on a helm target',
      '  helm: {chart: c}\n  targets: [{name: dev, path: k}]\n',
      /spec\.targets\[0\]\.path: a path names a kustomization; a helm target gives values/,
    ],
    [
      'values without helm',
      '  kustomize: {path: k}\n  targets: [{name: dev, values: [v.yaml]}]\n',
      /spec\.targets\[0\]\.values: values are for helm bundles/,
    ],
    [
      'a chart path leaving the repository',
      '  helm: {chart: ../c}\n',
      /spec\.helm\.chart: path "\.\.\/c" has an empty, '\.' or '\.\.' segment/,
    ],
    ['an unknown hooks policy', '  helm: {chart: c, hooks: run}\n', /spec\/helm\/hooks|spec\.helm\.hooks/],
  ])('refuses %s', (_what, spec, message) => {
    expect(() => validateYaml(doc(spec))).toThrow(message);
  });
});
