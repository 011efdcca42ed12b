// deploy/agent/ against a real API server: the kustomization renders with
// the control plane's own kubectl, shares deploy/'s RBAC object for object,
// runs `drover agent` with flags the CLI accepts and values the generated
// ConfigMap defines, as the Pod's ServiceAccount (no kubeconfig), with the
// registry credentials of the Secret its template describes, and passes
// server-side dry-run whole while creating nothing. Its Node settings at
// work: an agent started as the Pod starts it (the container's env, the
// image's compile cache written by the Containerfile's own command) releases
// a bundle the hub lists on a real cluster without stripping the types of
// any module (so it never loads Node's TypeScript stripper).
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { serveVerbs } from '../../cmd/verbs-serve.ts';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { droverCli } from '../../fixtures/testenv/drover-cli.ts';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import { appDeployment } from '../../fixtures/testenv/manifests.ts';
import { parseContainerfile } from '../containerfile.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import type { KubeObject } from '../../lib/object/ref.ts';

const env = testEnv();
const here = import.meta.dirname;
const cluster = env.clusters[0]!;
const scratch = mkdtempSync(join(tmpdir(), 'drover-deploy-agent-'));

interface Container {
  args: string[];
  envFrom?: { configMapRef?: { name: string } }[];
  env?: { name: string; value?: string }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext: unknown;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
}
interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  containers: Container[];
  volumes: {
    name: string;
    emptyDir?: unknown;
    secret?: { secretName: string; items: { key: string; path: string }[] };
  }[];
  securityContext: unknown;
}

const render = async (dir: string) =>
  parseAllDocuments(await kubectlOn(env, cluster, ['kustomize', dir])).map((d) => d.toJS() as KubeObject);
let agent: KubeObject[];
let hub: KubeObject[];
beforeAll(async () => {
  [agent, hub] = await Promise.all([render(here), render(dirname(here))]);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const find = (docs: KubeObject[], kind: string, name?: string) =>
  docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name.startsWith(name)))!;
const podOf = (docs: KubeObject[]) =>
  (find(docs, 'Deployment', 'drover-agent').spec as { template: { spec: PodSpec } }).template.spec;

describe('deploy/agent/', () => {
  it("has the hub's namespace, ServiceAccount and RBAC object for object, and none of the hub's server", () => {
    const shared = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
    const key = (d: KubeObject) => `${d.kind}/${d.metadata.name}`;
    expect(agent.filter((d) => shared.has(d.kind)).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      hub.filter((d) => shared.has(d.kind)).sort((a, b) => key(a).localeCompare(key(b))),
    );
    expect(
      agent
        .map(key)
        .filter((k) => !shared.has(k.split('/')[0]!))
        .map((k) => k.replace(/-[a-z0-9]{10}$/, ''))
        .sort(),
    ).toEqual(['ConfigMap/drover-agent', 'Deployment/drover-agent']);
  });

  it('runs drover agent as the ServiceAccount, with flags the CLI knows and values the ConfigMap defines', () => {
    const pod = podOf(agent);
    const c = pod.containers[0]!;
    expect(c.args[0]).toBe('agent');
    const verb = serveVerbs.find((v) => v.name === 'agent')!;
    const flags = c.args.filter((a) => a.startsWith('--')).map((a) => a.slice(2));
    expect(flags.filter((f) => !(f in verb.options))).toEqual([]);
    // No kubeconfig: inside the Pod the agent uses its ServiceAccount.
    expect(flags).not.toContain('kubeconfig');
    expect(pod.serviceAccountName).toBe(find(agent, 'ServiceAccount').metadata.name);
    expect(pod.automountServiceAccountToken).toBe(true);
    const configMap = find(agent, 'ConfigMap', 'drover-agent') as KubeObject & { data: Record<string, string> };
    expect(c.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
    const vars = c.args.flatMap((a) => /^\$\((\w+)\)$/.exec(a)?.[1] ?? []);
    expect(vars.sort()).toEqual(Object.keys(configMap.data).sort());
    expect(configMap.data.DROVER_REGISTRY).toMatch(/^oci:\/\//);
    // The state directory is a cache: an emptyDir.
    const state = c.args[c.args.indexOf('--state') + 1];
    const stateMount = c.volumeMounts.find((m) => m.mountPath === state)!;
    expect(pod.volumes.find((v) => v.name === stateMount.name)!.emptyDir).toBeDefined();
  });

  it('reads the registry credentials from the Secret its template describes, as a docker config.json', () => {
    const pod = podOf(agent);
    const c = pod.containers[0]!;
    const template = parse(readFileSync(join(here, 'registry-secret.template.yaml'), 'utf8')) as KubeObject & {
      type: string;
      stringData: Record<string, string>;
    };
    const dockerConfig = c.env!.find((e) => e.name === 'DOCKER_CONFIG')!.value!;
    const mount = c.volumeMounts.find((m) => m.mountPath === dockerConfig)!;
    expect(mount.readOnly).toBe(true);
    expect(pod.volumes.find((v) => v.name === mount.name)!.secret).toEqual({
      secretName: template.metadata.name,
      items: [{ key: '.dockerconfigjson', path: 'config.json' }],
    });
    expect(template.type).toBe('kubernetes.io/dockerconfigjson');
    expect(template.stringData).toEqual({ '.dockerconfigjson': '${DOCKERCONFIGJSON}' });
    expect(template.metadata.namespace).toBe(find(agent, 'Deployment', 'drover-agent').metadata.namespace);
    // Hardened like the hub's Pod.
    const hubPod = (find(hub, 'Deployment', 'drover').spec as { template: { spec: PodSpec } }).template.spec;
    expect(c.securityContext).toEqual(hubPod.containers[0]!.securityContext);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  it("reads its keys from the Secret its keys template describes: the hub's public key trusted, its own key signing", () => {
    const pod = podOf(agent);
    const c = pod.containers[0]!;
    const template = parse(readFileSync(join(here, 'agent-keys-secret.template.yaml'), 'utf8')) as KubeObject & {
      stringData: Record<string, string>;
    };
    const flag = (f: string) => c.args[c.args.indexOf(f) + 1]!;
    const mount = c.volumeMounts.find((m) => flag('--trusted-key').startsWith(`${m.mountPath}/`))!;
    expect(mount.readOnly).toBe(true);
    expect(flag('--key-file').startsWith(`${mount.mountPath}/`)).toBe(true);
    const secret = pod.volumes.find((v) => v.name === mount.name)!.secret!;
    expect(secret.secretName).toBe(template.metadata.name);
    // Each file the flags name is a key of the Secret.
    expect(secret.items.map((i) => `${mount.mountPath}/${i.path}`).sort()).toEqual(
      [flag('--trusted-key'), flag('--key-file')].sort(),
    );
    expect(secret.items.map((i) => i.key).sort()).toEqual(Object.keys(template.stringData).sort());
    expect(template.metadata.namespace).toBe(find(agent, 'Deployment', 'drover-agent').metadata.namespace);
  });

  it('passes server-side dry-run whole, with a Secret of random credentials, and creates nothing', async () => {
    const existing = await kubectlOn(env, cluster, [
      'get',
      'namespace',
      'drover-system',
      '--ignore-not-found',
      '-o',
      'name',
    ]);
    if (existing.trim() === '') await kubectlOn(env, cluster, ['create', 'namespace', 'drover-system']).catch(() => '');
    const template = parse(readFileSync(join(here, 'registry-secret.template.yaml'), 'utf8')) as KubeObject & {
      stringData: Record<string, string>;
    };
    const secret = {
      ...template,
      stringData: {
        '.dockerconfigjson': JSON.stringify({
          auths: { 'registry.example.com': { auth: Buffer.from(`agent:${Math.random()}`).toString('base64') } },
        }),
      },
    };
    const file = join(scratch, 'dry-run.yaml');
    writeFileSync(file, [...agent, secret].map((d) => stringify(d)).join('---\n'));
    const r = await promisify(execFile)(env.bin, [
      'kubectl',
      `--kubeconfig=${cluster.kubeconfig}`,
      'apply',
      '--server-side',
      '--dry-run=server',
      '-f',
      file,
    ]);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(agent.length + 1);
    expect(lines.every((l) => l.endsWith(' serverside-applied (server dry run)'))).toBe(true);
    expect(
      await kubectlOn(env, cluster, [
        '-n',
        'drover-system',
        'get',
        'deployment,secret',
        '-l',
        'app.kubernetes.io/part-of=drover',
        '-o',
        'name',
      ]),
    ).toBe('');
  });
});

describe('deploy/agent/: the agent as its Pod starts it', () => {
  it("with the container's env and the image's compile cache, it releases a bundle without stripping any module's types", async () => {
    const root = join(here, '..', '..');
    const cf = parseContainerfile(readFileSync(join(here, '..', 'Containerfile'), 'utf8'));
    const warm = cf.final.runs.find((r) => r.command.includes('cmd/warm-compile-cache.ts'))!;
    const container = podOf(agent).containers[0]!;
    // The Node settings the Pod gives the process (not the Pod-only paths: registry credentials, state).
    const settings = Object.fromEntries(
      (container.env ?? [])
        .filter((e) => e.value !== undefined && e.name !== 'DOCKER_CONFIG')
        .map((e) => [e.name, e.value!]),
    );
    const cache = join(scratch, 'image-compile-cache');
    const base = { PATH: process.env.PATH, HOME: scratch, ...settings, NODE_COMPILE_CACHE: cache };
    // The Containerfile's command itself, run where the sources are, as the image build runs it.
    await promisify(execFile)('sh', ['-c', warm.command], {
      cwd: root,
      env: { ...base, ...warm.env, NODE_COMPILE_CACHE: cache },
    });

    const ns = uniqueName('agent-pod');
    const bundle = uniqueName('web');
    const prefix = uniqueName('agent-pod');
    const seed = join(scratch, 'seed');
    mkdirSync(seed);
    const docs = [
      {
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Bundle',
        metadata: { name: bundle },
        spec: { namespace: ns, roots: [{ kind: 'Deployment', name: 'web' }] },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: ns }, data: { LEVEL: 'one' } },
      appDeployment({ name: 'web', namespace: ns, configMap: 'web-config' }),
    ];
    writeFileSync(join(seed, 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
    const url = await createRepo(env.git, { name: uniqueName('agent-pod'), fixtureDir: seed });
    const hub = join(scratch, 'hub');
    mkdirSync(hub);
    writeTestConfig(env, hub, {
      sources: [{ name: 'apps', url }],
      registry: `oci://${env.registry.host}/${prefix}`,
      clusters: [],
      agentClusters: [cluster.name],
      environments: [{ name: 'edge', clusters: [cluster.name], timeoutSeconds: 90 }],
    });
    const drover = droverCli(hub);
    expect((await drover(['cut'])).code).toBe(0);
    const drop = await createNamespace(env, ns, [cluster]);
    const stderr: string[] = [];
    const proc = spawn(
      process.execPath,
      [
        join(root, 'cmd', 'drover.ts'),
        'agent',
        '--env',
        'edge',
        '--cluster',
        cluster.name,
        '--registry',
        `oci://${env.registry.host}/${prefix}`,
        '--kubeconfig',
        cluster.kubeconfig,
        '--context',
        cluster.context,
        '--state',
        join(scratch, 'agent-state'),
        '--poll-seconds',
        '1',
        '--index-seconds',
        '1',
      ],
      {
        env: { ...base, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    try {
      // The hub lists the bundle, moves the tag and waits for the agent's report: a whole release on the agent's side.
      const r = await drover(['deploy', `${bundle}@1.0.0`, '--env', 'edge']);
      expect(r.code, r.stderr).toBe(0);
      expect(
        await kubectlOn(env, cluster, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LEVEL}']),
      ).toBe('one');
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode === null ? proc.once('exit', r) : r(undefined)));
      await drop();
    }
    const lines = stderr.join('').split('\n');
    const fromCache = lines.filter((l) => /retrieving transpile cache for StrippedTypeScript .*success/.test(l));
    const stripped = lines.filter((l) => l.includes('no transpile cache for StrippedTypeScript'));
    // Dozens of modules loaded for the release, each from the cache; none stripped (which would load the stripper).
    expect(fromCache.length).toBeGreaterThan(100);
    expect(stripped).toEqual([]);
  });
});
