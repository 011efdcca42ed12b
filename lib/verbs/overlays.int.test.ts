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
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo, git, startGitServer } from '../../fixtures/testenv/git-server.ts';
import { type ManagedProcess, stopProcesses } from '../../fixtures/testenv/process.ts';
import { kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const [c1, c2, c3] = env.clusters as [(typeof env.clusters)[number], (typeof env.clusters)[number], (typeof env.clusters)[number]];
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const fixture = join(import.meta.dirname, '..', '..', 'fixtures', 'repos', 'overlays');
const scratch = mkdtempSync(join(tmpdir(), 'drover-overlays-'));
const ns = uniqueName('overlays');
const bundle = uniqueName('web');
const prefix = uniqueName('overlays');
let gitProc: ManagedProcess;
let work: string;
let ws: string;

async function drover(args: string[], { processEnv = process.env }: { processEnv?: NodeJS.ProcessEnv } = {}) {
  try {
    const r = await execFileP(process.execPath, [cli, ...args, '--output', 'json'], { cwd: ws, env: processEnv });
    return { code: 0, json: JSON.parse(r.stdout) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, json: e.stdout ? JSON.parse(e.stdout) : { stderr: e.stderr } };
  }
}

const k = (c: typeof c1, args: string[]) => kubectlOn(env, c, [...args, '-n', ns]);
const jsonpath = async (c: typeof c1, kind: string, name: string, path: string) => (await k(c, ['get', kind, name, '-o', `jsonpath={${path}}`])).trim();
const exists = async (c: typeof c1, kind: string, name: string) => (await k(c, ['get', kind, name, '--ignore-not-found', '-o', 'name'])).trim() !== '';
const manifest = async (version: string) =>
  (await (await fetch(`${env.registry.url}/v2/${prefix}/${bundle}/manifests/${version}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as { layers: { digest: string; annotations: Record<string, string> }[] };
const layerOf = (m: Awaited<ReturnType<typeof manifest>>, target: string) => m.layers.find((l) => l.annotations['drover.dev/target'] === target)!.digest;
/** Each member as applied: what a release can change (no status, no server bookkeeping). */
const appliedState = async (c: typeof c1) => {
  const list = JSON.parse(await k(c, ['get', 'deployment,service,configmap,ingress,pdb', '-l', `drover.dev/bundle=${bundle}`, '-o', 'json'])) as { items: { kind: string; metadata: Record<string, unknown>; status?: unknown }[] };
  return Object.fromEntries(
    list.items.map(({ status: _s, metadata, ...rest }) => {
      const { resourceVersion: _r, managedFields: _m, generation: _g, annotations = {}, ...meta } = metadata as { annotations?: Record<string, string>; resourceVersion?: unknown; managedFields?: unknown; generation?: unknown; name?: unknown };
      const { 'deployment.kubernetes.io/revision': _rev, ...kept } = annotations as Record<string, string>;
      return [`${rest.kind}/${String(meta.name)}`, JSON.stringify({ ...rest, metadata: { ...meta, annotations: kept } })];
    }),
  );
};
const resourceVersions = async (c: typeof c1) => (await k(c, ['get', 'deployment,service,configmap,ingress,pdb', '-l', `drover.dev/bundle=${bundle}`, '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion} {end}'])).trim().split(' ').sort();

async function commit(message: string, change: (dir: string) => void) {
  change(work);
  await git(work, ['add', '-A']);
  await git(work, ['commit', '--quiet', '-m', message]);
  await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
}

beforeAll(async () => {
  const gs = await startGitServer(scratch, 'u:p');
  gitProc = gs.proc;
  const seed = join(scratch, 'seed');
  await cp(fixture, seed, { recursive: true });
  const sub = (file: string) => writeFileSync(join(seed, file), readFileSync(join(seed, file), 'utf8').replaceAll('NAMESPACE', ns).replaceAll('BUNDLE', bundle));
  for (const f of ['bundle.yaml', 'web/overlays/dev/kustomization.yaml', 'web/overlays/prod/kustomization.yaml']) sub(f);
  // A third target rendering the dev overlay: identical bytes, one shared blob.
  writeFileSync(join(seed, 'bundle.yaml'), readFileSync(join(seed, 'bundle.yaml'), 'utf8').replace('    - {name: prod, path: web/overlays/prod}', '    - {name: prod, path: web/overlays/prod}\n    - {name: qa, path: web/overlays/dev}'));
  const url = await createRepo(gs.info, { name: uniqueName('overlays'), fixtureDir: seed });
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  ws = join(scratch, 'ws');
  mkdirSync(ws);
  writeFileSync(
    join(ws, 'drover.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      sources: [{ name: 'apps', url }],
      registry: `oci://${env.registry.host}/${prefix}`,
      kubeconfig: env.kubeconfig,
      clusters: env.clusters.map((c) => ({ name: c.name, context: c.context })),
      environments: [
        { name: 'dev', clusters: ['c1'], timeoutSeconds: 120 },
        { name: 'prod', clusters: ['c2', 'c3'], waves: [{ clusters: ['c2'] }, { clusters: ['c3'] }], timeoutSeconds: 120 },
      ],
    }),
  );
  await Promise.all(env.clusters.map((c) => kubectlOn(env, c, ['create', 'namespace', ns])));
});
afterAll(async () => {
  await stopProcesses([gitProc]);
  await Promise.all(env.clusters.map((c) => kubectlOn(env, c, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch(() => {})));
  rmSync(scratch, { recursive: true, force: true });
});

describe('Kustomize overlays as targets of one version', () => {
  it('one cut, one layer per target; each cluster runs its variant; ORAS finds one file per target', async () => {
    const cut = await drover(['cut']);
    expect(cut.code).toBe(0);
    expect(cut.json.cut).toEqual([expect.objectContaining({ bundle, version: '1.0.0', targets: ['dev', 'prod', 'qa'] })]);
    expect(cut.json.renders.map((r: { target: string; cached: boolean }) => r.target).sort()).toEqual(['dev', 'prod', 'qa']);
    const shown = await drover(['show', `${bundle}@1.0.0`]);
    expect(shown.json.targets.map((t: { name: string; members: number }) => [t.name, t.members])).toEqual([['dev', 4], ['prod', 5], ['qa', 4]]);
    expect(shown.json.config.provenance.renderer).toEqual({ name: 'kustomize', version: expect.stringMatching(/^v5\.8\.1/) });
    const human = (await execFileP(process.execPath, [cli, 'show', `${bundle}@1.0.0`], { cwd: ws })).stdout;
    expect(human).toMatch(/^ {2}renderer: kustomize v5\.8\.1/m);
    expect(human).toMatch(new RegExp(`^prod +PodDisruptionBudget/${ns}/web `, 'm'));
    expect(human).not.toMatch(new RegExp(`^dev +PodDisruptionBudget/`, 'm'));
    const m = await manifest('1.0.0');
    expect(m.layers).toHaveLength(3);
    expect(layerOf(m, 'qa')).toBe(layerOf(m, 'dev'));
    expect(layerOf(m, 'prod')).not.toBe(layerOf(m, 'dev'));

    const oras = [join(homedir(), 'go', 'bin', 'oras'), ...(process.env.PATH ?? '').split(':').map((p) => join(p, 'oras'))].find((p) => existsSync(p))!;
    const out = join(scratch, 'pulled');
    mkdirSync(out);
    await execFileP(oras, ['pull', '--plain-http', `${env.registry.host}/${prefix}/${bundle}:1.0.0`, '-o', out]);
    expect(readdirSync(out).sort()).toEqual([`${bundle}-1.0.0-dev.tar.gz`, `${bundle}-1.0.0-prod.tar.gz`, `${bundle}-1.0.0-qa.tar.gz`]);

    expect((await drover(['deploy', `${bundle}@1.0.0`, '--env', 'dev'])).code).toBe(0);
    expect((await drover(['promote', bundle, '--to', 'prod'])).code).toBe(0);
    expect(await jsonpath(c1, 'deployment', 'web', '.spec.replicas')).toBe('1');
    expect(await jsonpath(c1, 'configmap', 'web-config', '.data.LOG_LEVEL')).toBe('debug');
    expect(await jsonpath(c1, 'ingress', 'web', '.spec.rules[0].host')).toBe('dev.web.example.com');
    expect(await exists(c1, 'pdb', 'web')).toBe(false);
    for (const c of [c2, c3]) {
      expect(await jsonpath(c, 'deployment', 'web', '.spec.replicas')).toBe('3');
      expect(await jsonpath(c, 'configmap', 'web-config', '.data.LOG_LEVEL')).toBe('warn');
      expect(await jsonpath(c, 'ingress', 'web', '.spec.rules[0].host')).toBe('web.example.com');
      expect(await jsonpath(c, 'pdb', 'web', '.spec.minAvailable')).toBe('2');
    }
  });

  it('a commit to the prod overlay alone: a new version whose dev layer is the parent\'s blob; dev changes nothing', async () => {
    await commit('prod: 4 replicas', (d) => writeFileSync(join(d, 'web/overlays/prod/replicas.yaml'), readFileSync(join(d, 'web/overlays/prod/replicas.yaml'), 'utf8').replace('replicas: 3', 'replicas: 4')));
    const cut = await drover(['cut']);
    expect(cut.json.cut).toEqual([expect.objectContaining({ bundle, version: '1.0.1', changedMembers: [`Deployment/${ns}/web`] })]);
    // Only prod's inputs changed: dev and qa came from the render cache, Kustomize ran for prod alone.
    expect(cut.json.renders.filter((r: { cached: boolean }) => !r.cached).map((r: { target: string }) => r.target)).toEqual(['prod']);
    const [before, after] = [await manifest('1.0.0'), await manifest('1.0.1')];
    expect(layerOf(after, 'dev')).toBe(layerOf(before, 'dev'));
    expect(layerOf(after, 'prod')).not.toBe(layerOf(before, 'prod'));
    expect((await drover(['show', `${bundle}@1.0.1`])).json.targets.map((t: { name: string; changed: boolean }) => [t.name, t.changed])).toEqual([['dev', false], ['prod', true], ['qa', false]]);

    const untouched = await resourceVersions(c1);
    const dev = await drover(['deploy', `${bundle}@1.0.1`, '--env', 'dev']);
    expect(dev.code).toBe(0);
    expect(await resourceVersions(c1)).toEqual(untouched);
    const history = await drover(['history', bundle, '--cluster', 'c1']);
    expect(history.json[0].steps.find((s: { state: string }) => s.state === 'applying').message).toMatch(/^0 to create, 0 to update, 4 unchanged/);
  });

  it('diff --cluster c2 before the promotion lists exactly what the promotion then changes there', async () => {
    const d = await drover(['diff', `${bundle}@1.0.1`, '--cluster', 'c2']);
    expect(d.code).toBe(0);
    expect(d.json).toMatchObject({ target: 'prod', from: '1.0.0', added: [], removed: [] });
    expect(d.json.changed).toEqual([{ ref: { group: 'apps', kind: 'Deployment', namespace: ns, name: 'web' }, fields: [expect.objectContaining({ path: 'spec.replicas', before: 3, after: 4 })] }]);
    const before = await appliedState(c2);
    expect((await drover(['promote', bundle, '--to', 'prod'])).code).toBe(0);
    const after = await appliedState(c2);
    // What changed on c2 is what the diff said: the Deployment only, and its replicas to the value it gave.
    expect(Object.keys(after).filter((x) => after[x] !== before[x])).toEqual(['Deployment/web']);
    expect(await jsonpath(c2, 'deployment', 'web', '.spec.replicas')).toBe(String(d.json.changed[0].fields[0].after));
  });

  it('with kustomize off PATH and the Git server stopped, a rollback of prod restores it whole', async () => {
    await stopProcesses([gitProc]);
    const bare = { PATH: '/usr/bin:/bin', HOME: mkdtempSync(join(scratch, 'home-')) };
    const r = await drover(['rollback', bundle, '--env', 'prod', '--to', '1.0.0'], { processEnv: bare });
    expect(r.code).toBe(0);
    expect(r.json.clusters.map((c: { cluster: string; state: string }) => [c.cluster, c.state])).toEqual([['c2', 'succeeded'], ['c3', 'succeeded']]);
    for (const c of [c2, c3]) {
      expect(await jsonpath(c, 'deployment', 'web', '.spec.replicas')).toBe('3');
      expect(await jsonpath(c, 'pdb', 'web', '.spec.minAvailable')).toBe('2');
      expect(await jsonpath(c, 'configmap', 'web-config', '.data.LOG_LEVEL')).toBe('warn');
    }
  });
});
