// Remote references at cut, through the real CLI, the real kustomize and
// helm binaries, a real repository on the Git server and the real registry.
// Every spelling Kustomize (or helm dependency build) would fetch names a
// host:port where this file listens on 127.0.0.1 with a real TCP server:
// each bundle is refused with reason `remote`, naming its field and the
// setting that would allow it, and the listener sees no connection at all.
// With both keys turned (render.allowRemote: bundle and the bundle's opt-in)
// a resource served over HTTP by this file is fetched and cut.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import { testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-remote-refusals-'));
let listener: Server;
let connections = 0;
let port = 0;
let http: HttpServer;
let httpPort = 0;
const served: string[] = [];

beforeAll(async () => {
  listener = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
  http = createHttpServer((req, res) => {
    served.push(req.url ?? '');
    res.setHeader('content-type', 'application/yaml');
    res.end(stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fetched' }, data: { from: 'http' } }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpPort = (http.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
  await new Promise((resolve) => http.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

const kustomizeBundle = (name: string, kustomization: Record<string, unknown>, allowRemote = false) => ({
  [`${name}/bundle.yaml`]: stringify({
    apiVersion: 'drover.dev/v1alpha1',
    kind: 'Bundle',
    metadata: { name },
    spec: { namespace: 'shop', kustomize: { path: `${name}/k`, ...(allowRemote ? { allowRemote } : {}) } },
  }),
  [`${name}/k/kustomization.yaml`]: stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    ...kustomization,
  }),
  [`${name}/k/cm.yaml`]: stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-cm` } }),
});
const helmBundle = (name: string, repository: string) => ({
  [`${name}/bundle.yaml`]: stringify({
    apiVersion: 'drover.dev/v1alpha1',
    kind: 'Bundle',
    metadata: { name },
    spec: { namespace: 'shop', helm: { chart: `${name}/chart` }, targets: [{ name: 'dev' }] },
  }),
  [`${name}/chart/Chart.yaml`]: stringify({
    apiVersion: 'v2',
    name,
    version: '0.1.0',
    dependencies: [{ name: 'db', version: '1.0.0', repository }],
  }),
  [`${name}/chart/templates/cm.yaml`]: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
});

async function cutRepo(files: Record<string, string>, render: Record<string, unknown> = {}) {
  const seed = join(scratch, uniqueName('seed'));
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(seed, p)), { recursive: true });
    writeFileSync(join(seed, p), content);
  }
  const url = await createRepo(env.git, { name: uniqueName('remote'), fixtureDir: seed });
  const ws = mkdtempSync(join(scratch, 'ws-'));
  writeFileSync(
    join(ws, 'drover.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      sources: [{ name: 'apps', url }],
      registry: `oci://${env.registry.host}/${uniqueName('remote')}`,
      render,
    }),
  );
  try {
    const r = await execFileP(process.execPath, [cli, 'cut', '--output', 'json'], { cwd: ws });
    return { code: 0, json: JSON.parse(r.stdout), ws };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, json: JSON.parse(e.stdout), ws };
  }
}

type Failed = { bundle: string; error: { message: string; data: Record<string, unknown> } };

describe('remote references in renders', () => {
  // [bundle, kustomization field and value]: one bundle per spelling, each naming the listener where it has a host.
  const spellings = (): [string, Record<string, unknown>, string][] => {
    const at = `127.0.0.1:${port}`;
    return [
      ['http-file', { resources: [`http://${at}/x.yaml`] }, 'resources[0]'],
      ['https-file', { resources: [`https://${at}/x.yaml`] }, 'resources[0]'],
      ['git-forced-http', { resources: [`git::http://${at}/r.git`] }, 'resources[0]'],
      ['git-forced-ssh', { resources: [`git::ssh://git@${at}/r.git`] }, 'resources[0]'],
      ['ssh', { resources: [`ssh://git@${at}/r.git`] }, 'resources[0]'],
      ['scp', { resources: ['cm.yaml', `git@127.0.0.1:org/repo`] }, 'resources[1]'],
      ['bare-host-subpath', { resources: [`${at}/org/repo//dir?ref=main`] }, 'resources[0]'],
      ['bare-host', { resources: [`${at}/org/repo`] }, 'resources[0]'],
      ['localhost-git', { resources: [`localhost:${port}/org/repo.git`] }, 'resources[0]'],
      ['query-ref', { resources: [`http://${at}/org/repo?ref=v1`] }, 'resources[0]'],
      ['query-version', { resources: [`http://${at}/org/repo?version=v1`] }, 'resources[0]'],
      ['query-timeout', { resources: [`http://${at}/org/repo?timeout=5s`] }, 'resources[0]'],
      ['query-submodules', { resources: [`http://${at}/org/repo?submodules=false`] }, 'resources[0]'],
      ['subpath-git', { resources: [`http://${at}/repo.git//path`] }, 'resources[0]'],
      ['github', { resources: ['github.com/acme/base/deploy?ref=v1'] }, 'resources[0]'],
      ['gitlab', { resources: ['gitlab.com/acme/base'] }, 'resources[0]'],
      ['bitbucket', { resources: ['bitbucket.org/acme/base'] }, 'resources[0]'],
      ['file-url', { resources: ['file:///var/lib/repos/base.git'] }, 'resources[0]'],
      ['bases', { bases: [`http://${at}/org/base?ref=v1`] }, 'bases[0]'],
      ['components', { components: [`git::http://${at}/c.git`] }, 'components[0]'],
      ['crds', { resources: ['cm.yaml'], crds: [`http://${at}/crd.yaml`] }, 'crds[0]'],
      ['patch', { resources: ['cm.yaml'], patches: [{ path: `http://${at}/p.yaml` }] }, 'patches[0].path'],
      [
        'generator-file',
        { configMapGenerator: [{ name: 'g', files: [`conf=http://${at}/conf.txt`] }] },
        'configMapGenerator[0].files[0]',
      ],
      ['openapi', { resources: ['cm.yaml'], openapi: { path: `http://${at}/schema.json` } }, 'openapi.path'],
      ['configurations', { resources: ['cm.yaml'], configurations: [`http://${at}/c.yaml`] }, 'configurations[0]'],
      ['transformers', { resources: ['cm.yaml'], transformers: [`http://${at}/t.yaml`] }, 'transformers[0]'],
    ];
  };

  it('refuses every spelling with reason remote, naming the field and the setting; nothing reaches the listener', async () => {
    const cases = spellings();
    const helm = [
      ['helm-http', `http://127.0.0.1:${port}/charts`],
      ['helm-oci', `oci://127.0.0.1:${port}/charts`],
      ['helm-alias', '@local'],
    ] as const;
    const r = await cutRepo({
      ...Object.assign({}, ...cases.map(([name, k]) => kustomizeBundle(name, k, true))),
      ...Object.assign({}, ...helm.map(([name, repository]) => helmBundle(name, repository))),
    });
    expect(r.code).toBe(3);
    expect(r.json.cut).toEqual([]);
    const failed = new Map((r.json.failed as Failed[]).map((f) => [f.bundle, f.error]));
    expect([...failed.keys()].sort()).toEqual([...cases.map((c) => c[0]), ...helm.map((h) => h[0])].sort());
    for (const [name, , field] of cases) {
      const e = failed.get(name)!;
      expect(e.data, name).toMatchObject({ reason: 'remote', field, bundle: name });
      expect(e.message, name).toContain(`${name}/k/kustomization.yaml: ${field} ${e.data.entry as string}: `);
      expect(e.message, name).toMatch(
        name === 'file-url'
          ? /remote reference refused \(file:\/\/ reads the disk of the host Drover runs on/
          : /remote reference refused \(render\.allowRemote is never\)/,
      );
    }
    for (const [name, repository] of helm)
      expect(failed.get(name)!, name).toMatchObject({
        message: expect.stringContaining(
          `${name}/chart/Chart.yaml: dependencies[0].repository ${repository}: remote reference refused (render.allowRemote is never; the bundle must also set spec.helm.allowRemote)`,
        ),
        data: { reason: 'remote', field: 'dependencies[0].repository' },
      });
    // Give a stray connection time to land before saying there was none.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(connections).toBe(0);
  });

  it('names the bundle opt-in when drover.yaml allows remote and the bundle does not', async () => {
    const r = await cutRepo(kustomizeBundle('optin', { resources: [`http://127.0.0.1:${port}/x.yaml`] }), {
      allowRemote: 'bundle',
    });
    expect(r.code).toBe(3);
    expect(r.json.failed[0].error).toMatchObject({
      message: expect.stringContaining(
        `resources[0] http://127.0.0.1:${port}/x.yaml: remote reference refused (spec.kustomize.allowRemote is not set)`,
      ),
      data: { reason: 'remote', allowRemote: 'bundle', bundleAllowsRemote: false },
    });
    expect(connections).toBe(0);
  });

  it('renders a Helm dependency from a file:// chart inside the repository, with no network', async () => {
    const files = {
      ...helmBundle('local-dep', 'file://../common'),
      'local-dep/common/Chart.yaml': stringify({ apiVersion: 'v2', name: 'db', version: '1.0.0' }),
      'local-dep/common/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-common}\n',
    };
    const r = await cutRepo(files);
    expect(r.json.failed).toEqual([]);
    expect(r.code).toBe(0);
    const shown = JSON.parse(
      (await execFileP(process.execPath, [cli, 'show', 'local-dep@1.0.0', '--output', 'json'], { cwd: r.ws })).stdout,
    ) as { config: { targets: { members: { kind: string; name: string }[] }[] } };
    expect(shown.config.targets[0]!.members.map((m) => `${m.kind}/${m.name}`).sort()).toEqual([
      'ConfigMap/from-common',
      'ConfigMap/x',
    ]);
  });

  it('fetches a remote resource when drover.yaml and the bundle both allow it', async () => {
    const r = await cutRepo(
      kustomizeBundle('allowed', { resources: ['cm.yaml', `http://127.0.0.1:${httpPort}/fetched.yaml`] }, true),
      { allowRemote: 'bundle' },
    );
    expect(r.json.failed).toEqual([]);
    expect(r.code).toBe(0);
    expect(served).toEqual(['/fetched.yaml']);
    const shown = JSON.parse(
      (await execFileP(process.execPath, [cli, 'show', 'allowed@1.0.0', '--output', 'json'], { cwd: r.ws })).stdout,
    ) as { config: { members: { kind: string; name: string }[] } };
    expect(shown.config.members.map((m) => `${m.kind}/${m.name}`).sort()).toEqual([
      'ConfigMap/allowed-cm',
      'ConfigMap/fetched',
    ]);
  });
});
