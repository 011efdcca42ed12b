// A Helm chart with a values file per environment, through the real CLI, the
// real helm binary, the registry and three clusters (dev: c1; prod: c2 then
// c3), with the fixtures/repos/chart repository on this file's own Git
// server (it is stopped below):
// - one cut gives one version with a layer per target; dev's cluster runs the
//   dev variant, both prod clusters the prod variant (3 replicas, another
//   host, a PodDisruptionBudget), read back from each cluster; the chart's
//   test hook is left out; each environment's capabilities reach the chart;
// - discover and lint read each target as the cut does;
// - a commit that changes only values-prod.yaml cuts a version whose dev
//   layer is the parent's blob, with helm run for prod alone;
// - `diff --cluster c2` before the promotion names what it then changes;
// - with helm off PATH and the Git server stopped, a rollback of prod
//   restores it whole.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopProcesses } from '../../fixtures/testenv/process.ts';
import { layerOf, openTargetWorkspace, type TargetWorkspace } from '../../fixtures/testenv/target-workspace.ts';
import { testEnv } from '../../fixtures/testenv/use-env.ts';

const env = testEnv();
const [c1, c2, c3] = env.clusters as [
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
];
let t: TargetWorkspace;
let ns: string;
let bundle: string;

beforeAll(async () => {
  t = await openTargetWorkspace({
    env,
    fixture: join(import.meta.dirname, '..', '..', 'fixtures', 'repos', 'chart'),
    name: 'chart',
    substitute: ['bundle.yaml'],
    environments: [
      { name: 'dev', clusters: ['c1'], timeoutSeconds: 120, capabilities: { kubeVersion: '1.36.3' } },
      {
        name: 'prod',
        clusters: ['c2', 'c3'],
        waves: [{ clusters: ['c2'] }, { clusters: ['c3'] }],
        timeoutSeconds: 120,
        capabilities: { kubeVersion: '1.36.3', apiVersions: ['policy/v1/PodDisruptionBudget'] },
      },
    ],
  });
  ({ ns, bundle } = t);
});
afterAll(() => t.close());

describe('a Helm chart rendered per target into one version', () => {
  it('one cut, one layer per target; each cluster runs its variant', async () => {
    const cut = await t.drover(['cut']);
    expect(cut.code).toBe(0);
    expect(cut.json.cut).toEqual([expect.objectContaining({ bundle, version: '1.0.0', targets: ['dev', 'prod'] })]);
    expect(cut.json.renders.map((r: { target: string }) => r.target).sort()).toEqual(['dev', 'prod']);
    const shown = await t.drover(['show', `${bundle}@1.0.0`]);
    expect(shown.json.targets.map((x: { name: string; members: number }) => [x.name, x.members])).toEqual([
      ['dev', 4],
      ['prod', 5],
    ]);
    expect(shown.json.config.provenance.renderer).toEqual({ name: 'helm', version: expect.stringMatching(/^v3\.22/) });
    const m = await t.manifest('1.0.0');
    expect(m.layers).toHaveLength(2);
    expect(layerOf(m, 'prod')).not.toBe(layerOf(m, 'dev'));

    expect((await t.drover(['deploy', `${bundle}@1.0.0`, '--env', 'dev'])).code).toBe(0);
    expect((await t.drover(['promote', bundle, '--to', 'prod'])).code).toBe(0);
    expect(await t.jsonpath(c1, 'deployment', 'web', '.spec.replicas')).toBe('1');
    expect(await t.jsonpath(c1, 'configmap', 'web-config', '.data.LOG_LEVEL')).toBe('debug');
    expect(await t.jsonpath(c1, 'configmap', 'web-config', '.data.KUBE_VERSION')).toBe('v1.36.3');
    expect(await t.jsonpath(c1, 'ingress', 'web', '.spec.rules[0].host')).toBe('dev.web.example.com');
    expect(await t.exists(c1, 'pdb', 'web')).toBe(false);
    for (const c of [c2, c3]) {
      expect(await t.jsonpath(c, 'deployment', 'web', '.spec.replicas')).toBe('3');
      expect(await t.jsonpath(c, 'configmap', 'web-config', '.data.LOG_LEVEL')).toBe('warn');
      expect(await t.jsonpath(c, 'ingress', 'web', '.spec.rules[0].host')).toBe('web.example.com');
      expect(await t.jsonpath(c, 'pdb', 'web', '.spec.minAvailable')).toBe('2');
    }
    // The chart's `helm test` Pod is not part of the release.
    for (const c of [c1, c2, c3]) expect(await t.exists(c, 'pod', 'web-test-connection')).toBe(false);
  });

  it('discover and lint read every target as the cut does', async () => {
    const d = await t.drover(['discover']);
    expect(d.code).toBe(0);
    expect(
      d.json.map((b: { target: string; renderer: string; members: { ref: string }[] }) => [
        b.target,
        b.renderer,
        b.members.length,
      ]),
    ).toEqual([
      ['dev', 'helm', 4],
      ['prod', 'helm', 5],
    ]);
    expect(d.json[1].members).toContainEqual(
      expect.objectContaining({
        ref: `PodDisruptionBudget/${ns}/web`,
        file: 'charts/web/templates/pdb.yaml',
        via: 'rendered',
      }),
    );
    // Turned on for this check: prod's 3 replicas have a PDB, dev's single replica has none; the rule fires for dev only.
    await t.commit('lint: single-replica-without-pdb', (dir) =>
      writeFileSync(
        join(dir, 'bundle.yaml'),
        readFileSync(join(dir, 'bundle.yaml'), 'utf8').replace(
          'single-replica-without-pdb: off',
          'single-replica-without-pdb: warning',
        ),
      ),
    );
    const l = await t.drover(['lint']);
    expect(l.json.filter((f: { rule: string }) => f.rule === 'single-replica-without-pdb')).toEqual([
      expect.objectContaining({ bundle, target: 'dev', ref: `Deployment/${ns}/web` }),
    ]);
  });

  it("a commit to values-prod.yaml alone: a new version whose dev layer is the parent's blob; helm ran for prod only", async () => {
    await t.commit('fix: prod runs 4 replicas', (dir) =>
      writeFileSync(
        join(dir, 'charts/web/values-prod.yaml'),
        readFileSync(join(dir, 'charts/web/values-prod.yaml'), 'utf8').replace('replicaCount: 3', 'replicaCount: 4'),
      ),
    );
    const cut = await t.drover(['cut']);
    expect(cut.code).toBe(0);
    expect(cut.json.cut).toEqual([
      expect.objectContaining({ bundle, version: '1.0.1', changedMembers: [`Deployment/${ns}/web`] }),
    ]);
    expect(
      cut.json.renders.filter((r: { cached: boolean }) => !r.cached).map((r: { target: string }) => r.target),
    ).toEqual(['prod']);
    const [before, after] = [await t.manifest('1.0.0'), await t.manifest('1.0.1')];
    expect(layerOf(after, 'dev')).toBe(layerOf(before, 'dev'));
    expect(layerOf(after, 'prod')).not.toBe(layerOf(before, 'prod'));

    const untouched = await t.resourceVersions(c1);
    expect((await t.drover(['deploy', `${bundle}@1.0.1`, '--env', 'dev'])).code).toBe(0);
    expect(await t.resourceVersions(c1)).toEqual(untouched);
  });

  it('diff --cluster c2 names what the promotion then changes there', async () => {
    const d = await t.drover(['diff', `${bundle}@1.0.1`, '--cluster', 'c2']);
    expect(d.code).toBe(0);
    expect(d.json).toMatchObject({ target: 'prod', from: '1.0.0', added: [], removed: [] });
    expect(d.json.changed).toEqual([
      {
        ref: { group: 'apps', kind: 'Deployment', namespace: ns, name: 'web' },
        fields: [expect.objectContaining({ path: 'spec.replicas', before: 3, after: 4 })],
      },
    ]);
    const before = await t.appliedState(c2);
    expect((await t.drover(['promote', bundle, '--to', 'prod'])).code).toBe(0);
    const after = await t.appliedState(c2);
    expect(Object.keys(after).filter((x) => after[x] !== before[x])).toEqual(['Deployment/web']);
    expect(await t.jsonpath(c2, 'deployment', 'web', '.spec.replicas')).toBe('4');
  });

  it('with helm off PATH and the Git server stopped, a rollback of prod restores it whole', async () => {
    await stopProcesses([t.gitProc]);
    const bare = { PATH: '/usr/bin:/bin', HOME: mkdtempSync(join(t.scratch, 'home-')) };
    const r = await t.drover(['rollback', bundle, '--env', 'prod', '--to', '1.0.0'], { processEnv: bare });
    expect(r.code).toBe(0);
    expect(r.json.clusters.map((c: { cluster: string; state: string }) => [c.cluster, c.state])).toEqual([
      ['c2', 'succeeded'],
      ['c3', 'succeeded'],
    ]);
    for (const c of [c2, c3]) {
      expect(await t.jsonpath(c, 'deployment', 'web', '.spec.replicas')).toBe('3');
      expect(await t.jsonpath(c, 'pdb', 'web', '.spec.minAvailable')).toBe('2');
      expect(await t.jsonpath(c, 'ingress', 'web', '.spec.rules[0].host')).toBe('web.example.com');
    }
  });
});
