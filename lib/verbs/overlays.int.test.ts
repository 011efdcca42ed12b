// Environments that differ, through the real CLI, the real kustomize binary,
// the registry and three clusters (dev: c1; prod: c2 then c3), with the
// fixtures/repos/overlays repository on this file's own Git server (it is
// stopped below):
// - one cut gives one version with a layer per target (qa renders the dev
//   overlay too: it shares dev's blob); dev's cluster runs the dev variant,
//   both prod clusters the prod variant, read back from each cluster; the
//   ORAS CLI pulls one file per target;
// - a commit that changes only the prod overlay cuts a version whose dev
//   layer is the parent's blob, and deploying it to dev changes no member;
// - `drover diff --cluster c2` before the promotion lists exactly what the
//   promotion then changes on c2;
// - with kustomize off PATH and the Git server stopped, a rollback of prod
//   restores it whole.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopProcesses } from '../../fixtures/testenv/process.ts';
import { layerOf, openTargetWorkspace, type TargetWorkspace } from '../../fixtures/testenv/target-workspace.ts';
import { testEnv } from '../../fixtures/testenv/use-env.ts';

const execFileP = promisify(execFile);
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
    fixture: join(import.meta.dirname, '..', '..', 'fixtures', 'repos', 'overlays'),
    name: 'overlays',
    substitute: ['bundle.yaml', 'web/overlays/dev/kustomization.yaml', 'web/overlays/prod/kustomization.yaml'],
    // A third target rendering the dev overlay: identical bytes, one shared blob.
    prepare: (seed) =>
      writeFileSync(
        join(seed, 'bundle.yaml'),
        readFileSync(join(seed, 'bundle.yaml'), 'utf8').replace(
          '    - {name: prod, path: web/overlays/prod}',
          '    - {name: prod, path: web/overlays/prod}\n    - {name: qa, path: web/overlays/dev}',
        ),
      ),
  });
  ({ ns, bundle } = t);
});
afterAll(() => t.close());

describe('Kustomize overlays as targets of one version', () => {
  it('one cut, one layer per target; each cluster runs its variant; ORAS finds one file per target', async () => {
    const cut = await t.drover(['cut']);
    expect(cut.code).toBe(0);
    expect(cut.json.cut).toEqual([
      expect.objectContaining({ bundle, version: '1.0.0', targets: ['dev', 'prod', 'qa'] }),
    ]);
    expect(cut.json.renders.map((r: { target: string; cached: boolean }) => r.target).sort()).toEqual([
      'dev',
      'prod',
      'qa',
    ]);
    const shown = await t.drover(['show', `${bundle}@1.0.0`]);
    expect(shown.json.targets.map((t: { name: string; members: number }) => [t.name, t.members])).toEqual([
      ['dev', 4],
      ['prod', 5],
      ['qa', 4],
    ]);
    expect(shown.json.config.provenance.renderer).toEqual({
      name: 'kustomize',
      version: expect.stringMatching(/^v5\.8\.1/),
    });
    const human = await t.droverText(['show', `${bundle}@1.0.0`]);
    expect(human).toMatch(/^ {2}renderer: kustomize v5\.8\.1/m);
    expect(human).toMatch(new RegExp(`^prod +PodDisruptionBudget/${ns}/web `, 'm'));
    expect(human).not.toMatch(new RegExp(`^dev +PodDisruptionBudget/`, 'm'));
    const m = await t.manifest('1.0.0');
    expect(m.layers).toHaveLength(3);
    expect(layerOf(m, 'qa')).toBe(layerOf(m, 'dev'));
    expect(layerOf(m, 'prod')).not.toBe(layerOf(m, 'dev'));

    const oras = [
      join(homedir(), 'go', 'bin', 'oras'),
      ...(process.env.PATH ?? '').split(':').map((p) => join(p, 'oras')),
    ].find((p) => existsSync(p))!;
    const out = join(t.scratch, 'pulled');
    mkdirSync(out);
    await execFileP(oras, ['pull', '--plain-http', `${env.registry.host}/${t.prefix}/${bundle}:1.0.0`, '-o', out]);
    expect(readdirSync(out).sort()).toEqual([
      `${bundle}-1.0.0-dev.tar.gz`,
      `${bundle}-1.0.0-prod.tar.gz`,
      `${bundle}-1.0.0-qa.tar.gz`,
    ]);

    expect((await t.drover(['deploy', `${bundle}@1.0.0`, '--env', 'dev'])).code).toBe(0);
    expect((await t.drover(['promote', bundle, '--to', 'prod'])).code).toBe(0);
    expect(await t.jsonpath(c1, 'deployment', 'web', '.spec.replicas')).toBe('1');
    expect(await t.jsonpath(c1, 'configmap', 'web-config', '.data.LOG_LEVEL')).toBe('debug');
    expect(await t.jsonpath(c1, 'ingress', 'web', '.spec.rules[0].host')).toBe('dev.web.example.com');
    expect(await t.exists(c1, 'pdb', 'web')).toBe(false);
    for (const c of [c2, c3]) {
      expect(await t.jsonpath(c, 'deployment', 'web', '.spec.replicas')).toBe('3');
      expect(await t.jsonpath(c, 'configmap', 'web-config', '.data.LOG_LEVEL')).toBe('warn');
      expect(await t.jsonpath(c, 'ingress', 'web', '.spec.rules[0].host')).toBe('web.example.com');
      expect(await t.jsonpath(c, 'pdb', 'web', '.spec.minAvailable')).toBe('2');
    }
  });

  it("a commit to the prod overlay alone: a new version whose dev layer is the parent's blob; dev changes nothing", async () => {
    await t.commit('prod: 4 replicas', (d) =>
      writeFileSync(
        join(d, 'web/overlays/prod/replicas.yaml'),
        readFileSync(join(d, 'web/overlays/prod/replicas.yaml'), 'utf8').replace('replicas: 3', 'replicas: 4'),
      ),
    );
    const cut = await t.drover(['cut']);
    expect(cut.json.cut).toEqual([
      expect.objectContaining({ bundle, version: '1.0.1', changedMembers: [`Deployment/${ns}/web`] }),
    ]);
    // Only prod's inputs changed: dev and qa came from the render cache, Kustomize ran for prod alone.
    expect(
      cut.json.renders.filter((r: { cached: boolean }) => !r.cached).map((r: { target: string }) => r.target),
    ).toEqual(['prod']);
    const [before, after] = [await t.manifest('1.0.0'), await t.manifest('1.0.1')];
    expect(layerOf(after, 'dev')).toBe(layerOf(before, 'dev'));
    expect(layerOf(after, 'prod')).not.toBe(layerOf(before, 'prod'));
    expect(
      (await t.drover(['show', `${bundle}@1.0.1`])).json.targets.map((t: { name: string; changed: boolean }) => [
        t.name,
        t.changed,
      ]),
    ).toEqual([
      ['dev', false],
      ['prod', true],
      ['qa', false],
    ]);

    const untouched = await t.resourceVersions(c1);
    const dev = await t.drover(['deploy', `${bundle}@1.0.1`, '--env', 'dev']);
    expect(dev.code).toBe(0);
    expect(await t.resourceVersions(c1)).toEqual(untouched);
    const history = await t.drover(['history', bundle, '--cluster', 'c1']);
    expect(history.json[0].steps.find((s: { state: string }) => s.state === 'applying').message).toMatch(
      /^0 to create, 0 to update, 4 unchanged/,
    );
  });

  it('diff --cluster c2 before the promotion lists exactly what the promotion then changes there', async () => {
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
    // What changed on c2 is what the diff said: the Deployment only, and its replicas to the value it gave.
    expect(Object.keys(after).filter((x) => after[x] !== before[x])).toEqual(['Deployment/web']);
    expect(await t.jsonpath(c2, 'deployment', 'web', '.spec.replicas')).toBe(String(d.json.changed[0].fields[0].after));
  });

  it('with kustomize off PATH and the Git server stopped, a rollback of prod restores it whole', async () => {
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
      expect(await t.jsonpath(c, 'configmap', 'web-config', '.data.LOG_LEVEL')).toBe('warn');
    }
  });
});
