import { describe, expect, it } from 'vitest';
import { loadObjects } from '../object/yaml.ts';
import type { RepoFile } from './renderer.ts';
import { lookupCalls, resolveHelmClosure } from './helm-chart.ts';
import { helmSources, renderDifferences } from './helm-output.ts';
import { helmTemplateArgs } from './helm.ts';

function repo(files: Record<string, string>) {
  const all: RepoFile[] = Object.entries(files).map(([path, text], i) => ({
    path,
    oid: `oid${i}-${text.length}`,
    text,
  }));
  return async (dir: string) => all.filter((f) => dir === '' || f.path === dir || f.path.startsWith(`${dir}/`));
}

const chart = {
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/values.yaml': 'replicas: 1\n',
  'charts/web/values-dev.yaml': 'replicas: 1\n',
  'charts/web/values-prod.yaml': 'replicas: 3\n',
  'charts/web/templates/deployment.yaml': 'kind: Deployment\nspec: {replicas: {{ .Values.replicas }}}\n',
  'env/common.yaml': 'team: a\n',
};

describe('resolveHelmClosure', () => {
  it('holds the chart and the target values, in order, without the values only other targets read', async () => {
    const c = await resolveHelmClosure({
      chart: 'charts/web',
      values: ['env/common.yaml', 'charts/web/values-prod.yaml'],
      others: ['charts/web/values-dev.yaml', 'charts/web/values-prod.yaml'],
      read: repo(chart),
    });
    expect(c.values).toEqual(['env/common.yaml', 'charts/web/values-prod.yaml']);
    expect(c.files.map((f) => f.path)).toEqual([
      'charts/web/Chart.yaml',
      'charts/web/templates/deployment.yaml',
      'charts/web/values-prod.yaml',
      'charts/web/values.yaml',
      'env/common.yaml',
    ]);
    // Another target's values file changing does not change this target's key; the order of its own values does.
    const other = await resolveHelmClosure({
      chart: 'charts/web',
      values: ['env/common.yaml', 'charts/web/values-prod.yaml'],
      others: ['charts/web/values-dev.yaml'],
      read: repo({ ...chart, 'charts/web/values-dev.yaml': 'replicas: 2\n' }),
    });
    expect(other.digest).toBe(c.digest);
    const reordered = await resolveHelmClosure({
      chart: 'charts/web',
      values: ['charts/web/values-prod.yaml', 'env/common.yaml'],
      others: ['charts/web/values-dev.yaml'],
      read: repo(chart),
    });
    expect(reordered.digest).not.toBe(c.digest);
  });

  it.each([
    [
      'a chart outside the repository',
      { chart: '../web', values: [] },
      chart,
      /chart "\.\.\/web" leaves the repository/,
    ],
    ['a directory without Chart.yaml', { chart: 'env', values: [] }, chart, /env: no Chart\.yaml/],
    [
      'a values URL',
      { chart: 'charts/web', values: ['https://example.com/v.yaml'] },
      chart,
      /values file "https:\/\/example\.com\/v\.yaml" leaves the repository/,
    ],
    [
      'a missing values file',
      { chart: 'charts/web', values: ['env/nope.yaml'] },
      chart,
      /values file env\/nope\.yaml is not in the repository/,
    ],
    [
      'a lock that pins another version',
      { chart: 'charts/web', values: [] },
      {
        ...chart,
        'charts/web/Chart.yaml':
          'apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies: [{name: db, version: 2.0.0}]\n',
        'charts/web/Chart.lock': 'dependencies: [{name: db, version: 2.0.1}]\n',
        'charts/web/charts/db-2.0.0.tgz': '',
      },
      /Chart\.lock: pins db 2\.0\.1, but charts\/web\/charts\/ holds db-2\.0\.0\.tgz/,
    ],
  ] as const)('refuses %s', async (_what, args, files, message) => {
    await expect(resolveHelmClosure({ ...args, read: repo(files) })).rejects.toThrow(message);
  });

  it('takes a dependency vendored as a directory, and one it may fetch when remote is allowed', async () => {
    const files = {
      ...chart,
      'charts/web/Chart.yaml':
        'apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies: [{name: db, version: 1.0.0, repository: "https://x"}, {name: cache, version: 1.0.0, repository: "https://x"}]\n',
      'charts/web/charts/db/Chart.yaml': 'name: db\n',
    };
    await expect(resolveHelmClosure({ chart: 'charts/web', values: [], read: repo(files) })).rejects.toThrow(
      /^charts\/web\/Chart\.yaml: dependencies\[1\]\.repository https:\/\/x: remote reference refused \(render\.allowRemote is never; the bundle must also set spec\.helm\.allowRemote\): dependency cache 1\.0\.0 \(https:\/\/x\) is not vendored/,
    );
    const remote = { operator: 'bundle', bundle: true, bundleSetting: 'spec.helm.allowRemote' } as const;
    expect((await resolveHelmClosure({ chart: 'charts/web', values: [], read: repo(files), remote })).fetch).toEqual([
      'cache',
    ]);
    await expect(
      resolveHelmClosure({ chart: 'charts/web', values: [], read: repo(files), remote: { ...remote, bundle: false } }),
    ).rejects.toThrow(/remote reference refused \(spec\.helm\.allowRemote is not set\)/);
  });

  it.each([
    ['an oci:// registry', 'oci://registry.example/charts'],
    ['an @alias of a repository added by name', '@bitnami'],
    ['an alias: of a repository added by name', 'alias:bitnami'],
    ['a plain http repository', 'http://charts.example'],
  ])('refuses a dependency from %s with reason remote', async (_what, repository) => {
    const files = {
      ...chart,
      'charts/web/Chart.yaml': `apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies: [{name: db, version: 1.0.0, repository: "${repository}"}]\n`,
    };
    await expect(resolveHelmClosure({ chart: 'charts/web', values: [], read: repo(files) })).rejects.toMatchObject({
      data: { reason: 'remote', field: 'dependencies[0].repository', entry: repository, dependency: 'db' },
    });
  });

  it('takes a file:// dependency inside the repository into the closure, and refuses one outside it', async () => {
    const files = {
      ...chart,
      'charts/web/Chart.yaml':
        'apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies: [{name: common, version: 1.0.0, repository: "file://../common"}]\n',
      'charts/common/Chart.yaml': 'apiVersion: v2\nname: common\nversion: 1.0.0\n',
      'charts/common/templates/cm.yaml': 'kind: ConfigMap\n',
    };
    const c = await resolveHelmClosure({ chart: 'charts/web', values: [], read: repo(files) });
    expect(c.fetch).toEqual(['common']);
    expect(c.files.map((f) => f.path)).toContain('charts/common/templates/cm.yaml');
    for (const repository of ['file://../../../etc', 'file:///etc/charts'])
      await expect(
        resolveHelmClosure({
          chart: 'charts/web',
          values: [],
          read: repo({
            ...files,
            'charts/web/Chart.yaml': files['charts/web/Chart.yaml'].replace('file://../common', repository),
          }),
        }),
      ).rejects.toMatchObject({ data: { reason: 'path-escape' } });
  });
});

describe('lookupCalls', () => {
  it('finds lookup called in actions, not in comments, strings or field names', () => {
    expect(
      lookupCalls('a: {{ lookup "v1" "Secret" "ns" "x" }}\nb: {{ (lookup "v1" "ConfigMap" "" "") | toYaml }}\n'),
    ).toEqual([1, 2]);
    expect(lookupCalls('{{/* lookup "v1" */}}\nc: {{ .Values.lookup }}\nd: {{ "lookup" }}\ne: lookup\n')).toEqual([]);
  });
});

describe('helm output', () => {
  const out =
    '---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: "1"}\n---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---\n# Source: web/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n';
  it('groups documents by the template that wrote them', () => {
    expect(helmSources(out).map((s) => [s.path, loadObjects({ files: [s] }).length])).toEqual([
      ['web/templates/cm.yaml', 2],
      ['web/templates/svc.yaml', 1],
    ]);
  });
  it('names the objects and fields two renders disagree on, never their values', () => {
    const load = (text: string) => loadObjects({ files: helmSources(text) });
    const d = renderDifferences(
      load(out),
      load(out.replace('k: "1"', 'k: "2"').replace(/---\n# Source: web\/templates\/svc\.yaml[\s\S]*$/, '')),
    );
    expect(d).toEqual([
      { ref: 'ConfigMap/a', template: 'web/templates/cm.yaml', fields: ['data.k'] },
      { ref: 'Service/a', template: 'web/templates/svc.yaml', fields: [] },
    ]);
    expect(renderDifferences(load(out), load(out))).toEqual([]);
  });
});

describe('helmTemplateArgs', () => {
  it('passes values in order, set values as JSON, capabilities, CRDs in and tests out; hooks left out only when skipped', () => {
    const args = helmTemplateArgs({
      chart: 'charts/web',
      releaseName: 'web',
      namespace: 'shop',
      values: ['a.yaml', 'b.yaml'],
      set: [{ 'image.tag': 'v,1' }, { replicas: 3 }],
      hooks: 'refuse',
      kubeVersion: '1.36.3',
      apiVersions: ['x/v1'],
    });
    expect(args).toEqual([
      'template',
      'web',
      './charts/web',
      '--namespace',
      'shop',
      '--include-crds',
      '--skip-tests',
      '--values',
      'a.yaml',
      '--values',
      'b.yaml',
      '--set-json',
      'image.tag="v,1"',
      '--set-json',
      'replicas=3',
      '--kube-version',
      '1.36.3',
      '--api-versions',
      'x/v1',
    ]);
    expect(
      helmTemplateArgs({ chart: 'c', releaseName: 'r', namespace: 'n', values: [], set: [], hooks: 'skip' }),
    ).toContain('--no-hooks');
  });
});
