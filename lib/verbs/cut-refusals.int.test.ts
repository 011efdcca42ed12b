// What a cut refuses about where a bundle's objects go and whose name it is
// (issue 24, items 6, 7, 9, 10 at cut time), through the real CLI, Git
// server, registry, kustomize and helm, and for the name's owner a real
// cluster:
// - a target that renders nothing (a Helm target whose values turn every
//   template off; a kustomization edited to `resources: []`) is refused
//   unless spec.allowEmpty;
// - a namespaced member with no namespace in a bundle that gives none (a
//   Kustomize overlay's PodDisruptionBudget, a chart's template, plain YAML)
//   is refused by kind/name and file; a Helm bundle's release namespace is
//   given to its members; cluster-scoped kinds need none;
// - a member in drover-system is refused unless drover.yaml lists the bundle
//   under selfManaged, and an inventory is refused for every bundle;
// - a second source declaring a bundle name the first cut is refused (exit
//   5) naming both, and the first one's versions, registry tags and cluster
//   objects stay as they were; its next change is cut as usual; a source
//   renamed in drover.yaml keeps cutting its bundles.
// Each refusal leaves the other bundles of the repository cut (exit 3 unless
// said).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { orasCli } from '../../fixtures/testenv/oras.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-cut-refusals-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Files = Record<string, string>;
const y = (...docs: Record<string, unknown>[]) => docs.map((d) => stringify(d)).join('---\n');
const bundleDoc = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'drover.dev/v1alpha1',
  kind: 'Bundle',
  metadata: { name },
  spec,
});
const configMap = (name: string, namespace?: string, data: Record<string, string> = { a: 'b' }) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  data,
});
const good: Files = {
  'good/all.yaml': y(
    bundleDoc('good', { namespace: 'shop', roots: [{ kind: 'ConfigMap', name: 'good' }] }),
    configMap('good', 'shop'),
  ),
};

function seed(files: Files): string {
  const dir = join(scratch, uniqueName('seed'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

/** A repository on the Git server holding `files`, and a clone of it to push changes from. */
async function repo(files: Files): Promise<{ url: string; push: (message: string, files: Files) => Promise<void> }> {
  const url = await createRepo(env.git, { name: uniqueName('refuse'), fixtureDir: seed(files) });
  const clone = mkdtempSync(join(scratch, 'clone-'));
  await git(scratch, ['clone', '--quiet', url, clone]);
  return {
    url,
    push: async (message, changed) => {
      for (const [p, text] of Object.entries(changed)) {
        mkdirSync(dirname(join(clone, p)), { recursive: true });
        writeFileSync(join(clone, p), text);
      }
      await git(clone, ['add', '-A']);
      await git(clone, ['commit', '--quiet', '-m', message]);
      await git(clone, ['push', '--quiet', 'origin', 'HEAD:main']);
    },
  };
}

function workspace(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(scratch, 'ws-'));
  writeFileSync(
    join(dir, 'drover.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      registry: `oci://${env.registry.host}/${uniqueName('refuse')}`,
      ...config,
    }),
  );
  return dir;
}

async function drover(ws: string, args: string[]) {
  try {
    const r = await execFileP(process.execPath, [cli, ...args, '--output', 'json'], { cwd: ws });
    return { code: 0, json: JSON.parse(r.stdout) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, json: e.stdout ? JSON.parse(e.stdout) : { stderr: e.stderr } };
  }
}

/** Cuts `files` from a fresh repository; `failed` must name `bundle` alone, with `message`; `good` is cut beside it. */
async function expectRefused(files: Files, bundle: string, message: RegExp, config: Record<string, unknown> = {}) {
  const { url } = await repo({ ...good, ...files });
  const ws = workspace({ sources: [{ name: 'apps', url }], ...config });
  const r = await drover(ws, ['cut']);
  expect(r.json.failed).toEqual([
    { bundle, error: expect.objectContaining({ code: 'E_INVALID_INPUT', message: expect.stringMatching(message) }) },
  ]);
  expect(r.code).toBe(3);
  expect(r.json.cut.map((c: { bundle: string }) => c.bundle)).toEqual(['good']);
  return { ws, r };
}

const toggledChart = (prodSet: Record<string, unknown>, spec: Record<string, unknown> = {}): Files => ({
  'hempty/bundle.yaml': y(
    bundleDoc('hempty', {
      namespace: 'shop',
      helm: { chart: 'hempty/chart' },
      targets: [{ name: 'dev' }, { name: 'prod', set: prodSet }],
      ...spec,
    }),
  ),
  'hempty/chart/Chart.yaml': stringify({ apiVersion: 'v2', name: 'hempty', version: '0.1.0' }),
  'hempty/chart/values.yaml': stringify({ config: { enabled: true }, extra: { enabled: true } }),
  'hempty/chart/templates/config.yaml':
    '{{- if .Values.config.enabled }}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: config}\ndata: {a: b}\n{{- end }}\n',
  'hempty/chart/templates/extra.yaml':
    '{{- if .Values.extra.enabled }}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {a: b}\n{{- end }}\n',
});
const kustomized = (
  name: string,
  kustomization: Record<string, unknown>,
  files: Files = {},
  spec: Record<string, unknown> = {},
): Files => ({
  [`${name}/bundle.yaml`]: y(bundleDoc(name, { kustomize: { path: `${name}/k` }, ...spec })),
  [`${name}/k/kustomization.yaml`]: stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    ...kustomization,
  }),
  ...Object.fromEntries(Object.entries(files).map(([p, t]) => [`${name}/k/${p}`, t])),
});

describe('a target that renders no objects', () => {
  it('a Helm target whose values turn every template off is refused; with spec.allowEmpty it is cut, its layer empty', async () => {
    const off = { 'config.enabled': false, 'extra.enabled': false };
    const { ws } = await expectRefused(
      toggledChart(off),
      'hempty',
      /^hempty\/bundle\.yaml: target prod of hempty renders no objects; set spec\.allowEmpty/,
    );
    expect((await drover(ws, ['versions', 'hempty'])).json).toEqual([]);

    const { url } = await repo(toggledChart(off, { allowEmpty: true }));
    const allowed = workspace({ sources: [{ name: 'apps', url }] });
    const cut = await drover(allowed, ['cut']);
    expect(cut.json.failed).toEqual([]);
    expect(cut.code).toBe(0);
    expect(cut.json.cut).toEqual([
      expect.objectContaining({ bundle: 'hempty', version: '1.0.0', targets: ['dev', 'prod'] }),
    ]);
    const shown = await drover(allowed, ['show', 'hempty@1.0.0']);
    expect(shown.json.targets.map((t: { name: string; members: number }) => [t.name, t.members])).toEqual([
      ['dev', 2],
      ['prod', 0],
    ]);
    expect(shown.json.config.policy).toMatchObject({ allowEmpty: true });
  });

  it('a kustomization edited to resources: [] is refused; the version cut before it stays the newest', async () => {
    const r = await repo({
      ...good,
      ...kustomized(
        'kempty',
        { namespace: 'shop', resources: ['cm.yaml'] },
        { 'cm.yaml': stringify(configMap('web')) },
      ),
    });
    const ws = workspace({ sources: [{ name: 'apps', url: r.url }] });
    const first = await drover(ws, ['cut']);
    expect(first.code).toBe(0);
    expect(first.json.cut.map((c: { bundle: string }) => c.bundle).sort()).toEqual(['good', 'kempty']);
    await r.push('kempty: no resources', {
      'kempty/k/kustomization.yaml': stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        namespace: 'shop',
        resources: [],
      }),
    });
    const second = await drover(ws, ['cut']);
    expect(second.code).toBe(3);
    expect(second.json.failed).toEqual([
      {
        bundle: 'kempty',
        error: expect.objectContaining({
          message: expect.stringMatching(
            /^kempty\/bundle\.yaml: bundle kempty renders no objects; set spec\.allowEmpty/,
          ),
          data: expect.objectContaining({ reason: 'empty-target' }),
        }),
      },
    ]);
    expect(second.json.error.message).toMatch(/bundle kempty renders no objects/);
    expect((await drover(ws, ['versions', 'kempty'])).json.map((v: { version: string }) => v.version)).toEqual([
      '1.0.0',
    ]);
  });
});

describe('a namespaced member with no namespace', () => {
  it('a Kustomize overlay adding a PodDisruptionBudget without one, in a bundle without spec.namespace, is refused by name', async () => {
    const pdb = stringify({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
    });
    await expectRefused(
      {
        'kpdb/bundle.yaml': y(
          bundleDoc('kpdb', {
            kustomize: {},
            targets: [
              { name: 'dev', path: 'kpdb/base' },
              { name: 'prod', path: 'kpdb/prod' },
            ],
          }),
        ),
        'kpdb/base/kustomization.yaml': stringify({ resources: ['cm.yaml'] }),
        'kpdb/base/cm.yaml': stringify(configMap('web', 'shop')),
        'kpdb/prod/kustomization.yaml': stringify({ resources: ['../base', 'pdb.yaml'] }),
        'kpdb/prod/pdb.yaml': pdb,
      },
      'kpdb',
      /^kpdb\/bundle\.yaml: bundle kpdb, target prod: 1 namespaced member\(s\) have no namespace and the bundle gives none: PodDisruptionBudget\/web \(kpdb\/prod \(kustomize build\):\d+\); set spec\.namespace \(or `namespace:` in the kustomization\)/,
    );
  });

  it('a chart template without one is refused when no namespace is given; spec.helm.namespace gives it the release namespace', async () => {
    const chart = (helm: Record<string, unknown>): Files => ({
      'hns/bundle.yaml': y(bundleDoc('hns', { helm: { chart: 'hns/chart', ...helm } })),
      'hns/chart/Chart.yaml': stringify({ apiVersion: 'v2', name: 'hns', version: '0.1.0' }),
      'hns/chart/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {ns: {{ .Release.Namespace | quote }}}\n',
      'hns/chart/templates/role.yaml':
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: hns-reader}\nrules: []\n',
    });
    await expectRefused(
      chart({}),
      'hns',
      /^hns\/bundle\.yaml: bundle hns: 1 namespaced member\(s\) have no namespace and the bundle gives none: ConfigMap\/web \(hns\/chart\/templates\/cm\.yaml:\d+\); set spec\.namespace \(or spec\.helm\.namespace\)/,
    );

    const { url } = await repo(chart({ namespace: 'shop' }));
    const ws = workspace({ sources: [{ name: 'apps', url }] });
    const cut = await drover(ws, ['cut']);
    expect(cut.json.failed).toEqual([]);
    expect(cut.code).toBe(0);
    const shown = await drover(ws, ['show', 'hns@1.0.0']);
    expect(
      shown.json.config.members
        .map((m: { kind: string; namespace: string; name: string }) => `${m.kind}/${m.namespace}/${m.name}`)
        .sort(),
    ).toEqual(['ClusterRole//hns-reader', 'ConfigMap/shop/web']);
  });

  it('plain YAML: a ConfigMap without one is refused naming its file; the ClusterRole beside it needs none', async () => {
    const files = (ns?: string): Files => ({
      'rbac/bundle.yaml': y(
        bundleDoc('rbac', {
          roots: [
            { kind: 'ClusterRole', name: 'reader' },
            { kind: 'ConfigMap', name: 'reader-config' },
          ],
        }),
      ),
      'rbac/role.yaml': stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'reader' },
        rules: [],
      }),
      'rbac/config.yaml': stringify(configMap('reader-config', ns)),
    });
    await expectRefused(
      files(),
      'rbac',
      /^rbac\/bundle\.yaml: bundle rbac: 1 namespaced member\(s\) have no namespace and the bundle gives none: ConfigMap\/reader-config \(rbac\/config\.yaml:1\); set spec\.namespace, or give each its metadata\.namespace$/,
    );
    const { url } = await repo(files('shop'));
    const cut = await drover(workspace({ sources: [{ name: 'apps', url }] }), ['cut']);
    expect(cut.json.failed).toEqual([]);
    expect(cut.json.cut.map((c: { bundle: string }) => c.bundle)).toEqual(['rbac']);
  });
});

describe("drover-system, Drover's own namespace", () => {
  const selfFiles = (extra: Record<string, unknown>[] = []): Files => ({
    'self/all.yaml': y(
      bundleDoc('drover-self', {
        namespace: 'drover-system',
        roots: [
          { kind: 'ConfigMap', name: 'drover-settings' },
          ...extra.map((o) => ({ kind: o.kind as string, name: (o.metadata as { name: string }).name })),
        ],
      }),
      configMap('drover-settings'),
      ...extra,
    ),
  });

  it('a member there is refused unless drover.yaml names the bundle under selfManaged', async () => {
    await expectRefused(
      selfFiles(),
      'drover-self',
      /^self\/all\.yaml: bundle drover-self: ConfigMap\/drover-system\/drover-settings \(self\/all\.yaml:\d+\) is in drover-system, Drover's own namespace; only a bundle drover\.yaml names under selfManaged/,
    );
    const { url } = await repo(selfFiles());
    const cut = await drover(workspace({ sources: [{ name: 'apps', url }], selfManaged: ['drover-self'] }), ['cut']);
    expect(cut.json.failed).toEqual([]);
    expect(cut.code).toBe(0);
    expect(cut.json.cut.map((c: { bundle: string }) => c.bundle)).toEqual(['drover-self']);
  });

  it('an inventory is refused even for a self-managed bundle', async () => {
    await expectRefused(
      selfFiles([configMap('inventory-web')]),
      'drover-self',
      /ships ConfigMap\/drover-system\/inventory-web \(self\/all\.yaml:\d+\): an inventory is Drover's record of what a bundle owns on a cluster, and no bundle may ship one/,
      { selfManaged: ['drover-self'] },
    );
  });
});

describe('one bundle name, one source', () => {
  const c1 = env.clusters[0]!;
  let drop = async () => {};
  afterAll(() => drop());

  it('a second source declaring the name is refused naming both; the first keeps its versions, registry tags and cluster objects', async () => {
    const ns = uniqueName('owner');
    const name = uniqueName('web');
    drop = await createNamespace(env, ns, [c1]);
    const files = (value: string): Files => ({
      'web/all.yaml': y(
        bundleDoc(name, { namespace: ns, roots: [{ kind: 'ConfigMap', name: 'web' }] }),
        configMap('web', undefined, { FROM: value }),
      ),
    });
    const first = await repo(files('apps'));
    const second = await repo(files('other'));
    const prefix = uniqueName('owner');
    const ws = mkdtempSync(join(scratch, 'ws-'));
    const config = (sources: { name: string; url: string }[]) =>
      writeTestConfig(env, ws, {
        sources,
        registry: `oci://${env.registry.host}/${prefix}`,
        environments: [{ name: 'dev', clusters: [c1.name], timeoutSeconds: 60 }],
        clusters: [c1],
      });
    config([{ name: 'apps', url: first.url }]);
    expect((await drover(ws, ['cut'])).code).toBe(0);
    expect((await drover(ws, ['deploy', `${name}@1.0.0`, '--env', 'dev'])).code).toBe(0);
    const oras = orasCli(scratch);
    const repository = `${env.registry.host}/${prefix}/${name}`;
    const tags = async () =>
      (await oras(['repo', 'tags', '--plain-http', repository])).split('\n').filter(Boolean).sort();
    const digest = async (tag: string) => (await oras(['resolve', '--plain-http', `${repository}:${tag}`])).trim();
    const live = async () => ({
      data: await kubectlOn(env, c1, [
        '-n',
        ns,
        'get',
        'configmap',
        'web',
        '-o',
        'jsonpath={.data.FROM} {.metadata.resourceVersion}',
      ]),
      inventory: await kubectlOn(env, c1, [
        '-n',
        'drover-system',
        'get',
        'configmap',
        `inventory-${name}`,
        '-o',
        'jsonpath={.metadata.resourceVersion}',
      ]),
    });
    const before = { tags: await tags(), v1: await digest('1.0.0'), dev: await digest('dev'), live: await live() };
    expect(before.tags).toEqual(['1.0.0', 'dev']);
    expect(before.live.data).toMatch(/^apps \d+$/);

    config([
      { name: 'apps', url: first.url },
      { name: 'other', url: second.url },
    ]);
    const refused = await drover(ws, ['cut']);
    expect(refused.code).toBe(5);
    expect(refused.json.failed).toEqual([
      {
        bundle: name,
        error: expect.objectContaining({
          code: 'E_CONFLICT',
          message: `web/all.yaml: bundle ${name} is declared by source other, but the name belongs to source apps, which cut its versions and keeps them, their registry repository and the bundle's clusters; not cut from other: rename one of the two`,
          data: expect.objectContaining({ source: 'other', owner: 'apps', reason: 'name-taken' }),
        }),
      },
    ]);
    expect(refused.json.cut).toEqual([]);
    expect({ tags: await tags(), v1: await digest('1.0.0'), dev: await digest('dev'), live: await live() }).toEqual(
      before,
    );
    expect(
      (await drover(ws, ['versions', name])).json.map((v: { version: string; digest: string }) => [
        v.version,
        v.digest,
      ]),
    ).toEqual([['1.0.0', before.v1]]);

    // The first source's next change is its bundle's next version, as if the other had never declared it.
    await first.push('apps: web changes', files('apps, again'));
    // (The other source's head has not moved since its refusal: like any failed bundle, it is refused again when it does.)
    const next = await drover(ws, ['cut']);
    expect(next.json.failed).toEqual([]);
    expect(next.code).toBe(0);
    expect(
      next.json.cut.map((c: { bundle: string; version: string; parent: string }) => [c.bundle, c.version, c.parent]),
    ).toEqual([[name, '1.0.1', '1.0.0']]);
  });

  it('a source renamed in drover.yaml keeps its bundles: the old name owns nothing any more', async () => {
    const r = await repo(good);
    const ws = workspace({ sources: [{ name: 'apps', url: r.url }] });
    expect((await drover(ws, ['cut'])).code).toBe(0);
    const config = join(ws, 'drover.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('name: apps', 'name: apps-renamed'));
    await r.push('good: changes', { 'good/all.yaml': good['good/all.yaml']!.replace('a: b', 'a: c') });
    const cut = await drover(ws, ['cut']);
    expect(cut.json.failed).toEqual([]);
    expect(cut.code).toBe(0);
    expect(
      cut.json.cut.map((c: { bundle: string; version: string; parent: string }) => [c.bundle, c.version, c.parent]),
    ).toEqual([['good', '1.0.1', '1.0.0']]);
  });
});
