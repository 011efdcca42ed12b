// deploy/ against a real API server. The kustomization renders with the
// control plane's own kubectl (kustomize built in) and passes server-side
// dry-run whole, while broken variants fail it; the image definition, the
// config and the manifests agree with one another (no image builder here, so
// the image is checked by what it copies and what the code it holds imports);
// and the RBAC is least privilege, first by reading the rendered roles, then
// for real: an overlay in a throwaway namespace, SubjectAccessReviews for the
// ServiceAccount, and Drover's own client authenticating with the in-cluster
// kubeconfig shipped in the ConfigMap and a real ServiceAccount token.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { ClusterInfo } from '../fixtures/testenv/kube.ts';
import { kubectlOn, testEnv, uniqueName } from '../fixtures/testenv/use-env.ts';
import { applyObject } from '../lib/cluster/apply.ts';
import { type Cluster, closeCluster, connectCluster } from '../lib/cluster/cluster.ts';
import { deleteObject } from '../lib/cluster/delete.ts';
import { listObjects } from '../lib/cluster/get.ts';
import { resolveConfig } from '../lib/config/config.ts';
import { InvalidInputError, UnauthorizedError } from '../lib/errors/errors.ts';
import type { KubeObject } from '../lib/object/ref.ts';
import { parseContainerfile } from './containerfile.ts';
import { warmModules } from '../cmd/warm-compile-cache.ts';
import { imageFiles, importGraph, packageOf, parseIgnoreFile } from './image-files.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const here = import.meta.dirname;
/** The binaries lib/render starts (drover.yaml's default `render.<renderer>.binary`). */
const RENDERERS = ['kustomize', 'helm'];
const root = dirname(here);
const scratch = mkdtempSync(join(tmpdir(), 'drover-deploy-'));

interface Container {
  name: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
  }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  lifecycle?: { preStop?: unknown };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: {
    name: string;
    configMap?: { name: string };
    persistentVolumeClaim?: { claimName: string };
    emptyDir?: object;
  }[];
}
interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

/** kubectl without throwing: the exit code and both streams, for commands expected to fail. */
async function kubectlResult(
  cluster: ClusterInfo,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(env.bin, ['kubectl', `--kubeconfig=${cluster.kubeconfig}`, ...args], {
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function render(cluster: ClusterInfo, dir: string): Promise<KubeObject[]> {
  const out = await kubectlOn(env, cluster, ['kustomize', dir]);
  return parseAllDocuments(out).map((d) => d.toJS() as KubeObject);
}

function writeDocs(name: string, docs: unknown[]): string {
  const file = join(scratch, name);
  writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
  return file;
}

function find(docs: KubeObject[], kind: string, name?: string): KubeObject {
  const hit = docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (!hit) throw new Error(`rendered output has no ${kind}${name ? `/${name}` : ''}`);
  return hit;
}

const podSpec = (deployment: KubeObject) => (deployment.spec as { template: { spec: PodSpec } }).template.spec;

/** `kubectl`'s name for an object in apply output: `deployment.apps/drover`, `configmap/x`. */
function applyName(o: KubeObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${o.kind.toLowerCase()}${group ? `.${group}` : ''}/${o.metadata.name}`;
}

/** The Secret from secret.template.yaml with fresh random values: none is ever committed. */
function secretWithRandomValues(namespace: string): { secret: KubeObject; values: Record<string, string> } {
  const secret = parse(readFileSync(join(here, 'secret.template.yaml'), 'utf8')) as KubeObject & {
    stringData: Record<string, string>;
  };
  const values: Record<string, string> = {};
  for (const key of Object.keys(secret.stringData)) values[key] = randomBytes(32).toString('hex');
  return { secret: { ...secret, metadata: { ...secret.metadata, namespace }, stringData: values }, values };
}

let rendered: KubeObject[];
beforeAll(async () => {
  rendered = await render(env.clusters[0]!, here);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('deploy/: the image, the config and the manifests agree', () => {
  it('the Containerfile copies what exists and starts drover serve with the mounted config, as the Deployment does', () => {
    const cf = parseContainerfile(readFileSync(join(here, 'Containerfile'), 'utf8'));
    const deployment = find(rendered, 'Deployment', 'drover');
    const pod = podSpec(deployment);
    const container = pod.containers[0]!;
    const configMount = container.volumeMounts!.find((m) => m.name === 'config')!;

    // Node from the base image, same major as the local toolchain (package.json's `node` devDependency).
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const toolchainMajor = /\d+/.exec(pkg.devDependencies.node!)![0];
    // (The renderers' stage builds Go binaries and leaves only them behind.)
    for (const stage of cf.stages.filter((st) => st.name !== 'renderers'))
      expect(stage.from).toMatch(new RegExp(`^node:${toolchainMajor}-bookworm(-slim)?$`));
    expect(cf.stages.find((st) => st.name === 'renderers')?.from).toMatch(/^golang:1\.\d+-bookworm$/);
    expect(cf.final.from).toBe(`node:${toolchainMajor}-bookworm-slim`);
    // Both stages copy the lockfile: `npm ci` needs it.
    expect(cf.stages.find((st) => st.name === 'deps')!.contextCopies).toEqual(['package.json', 'package-lock.json']);
    expect(cf.final.entrypoint).toEqual(['node', 'cmd/drover.ts']);
    expect(cf.final.cmd).toEqual(['serve', '--config', '/etc/drover/drover.yaml']);
    expect(container.args).toEqual(cf.final.cmd);
    expect(posix.dirname(cf.final.cmd![2]!)).toBe(configMount.mountPath);
    expect(configMount.readOnly).toBe(true);

    // The user the image runs as is the one the Pod asks for (non-root).
    const [uid, gid] = cf.final.user!.split(':').map(Number);
    expect(uid).toBe(65532);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid });
  });

  it('the image holds every module drover loads, needs only production dependencies, and starts no process but its renderers, which it carries (so no git)', () => {
    const cf = parseContainerfile(readFileSync(join(here, 'Containerfile'), 'utf8'));
    const ignore = parseIgnoreFile(readFileSync(join(here, 'Containerfile.dockerignore'), 'utf8'));
    const files = imageFiles({ root, copies: cf.final.contextCopies, ignore });
    const entry = cf.final.entrypoint![1]!;
    const graph = importGraph({ root, entry });
    expect(graph.files.size).toBeGreaterThan(50);
    expect([...graph.files].filter((f) => !files.has(f))).toEqual([]);
    // Tests stay out of the image.
    expect([...files].filter((f) => f.endsWith('.test.ts'))).toEqual([]);

    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const packages = [...graph.bare.keys()].filter((s) => !isBuiltin(s)).map(packageOf);
    expect(packages.length).toBeGreaterThan(3);
    expect(packages.filter((p) => !(p in pkg.dependencies))).toEqual([]);
    // The only processes Drover starts are its renderers (lib/render), and the image carries each, built from the module .ci/setup pins.
    const spawners = [...graph.bare]
      .filter(([s]) => s === 'node:child_process' || s === 'child_process')
      .flatMap(([, f]) => f);
    expect(
      spawners.filter((f) => !f.startsWith('lib/render/')),
      'the image has no git or other binaries: add them to deploy/Containerfile',
    ).toEqual([]);
    expect(spawners.length).toBeGreaterThan(0);
    const setup = readFileSync(join(root, '.ci', 'setup'), 'utf8');
    for (const binary of RENDERERS) {
      const pinned = new RegExp(`go install (\\S+/${binary}(?:/v\\d+)?@v[\\d.]+)`).exec(setup)?.[1];
      expect(pinned, `.ci/setup pins ${binary}`).toBeDefined();
      const stage = cf.stages.find((st) => st.runs.some((r) => r.command.includes(`go install ${pinned}`)));
      expect(stage?.name, `a stage of deploy/Containerfile runs go install ${pinned}`).toBeDefined();
      expect(cf.final.stageCopies).toContainEqual(
        expect.objectContaining({ from: stage!.name, dest: `/usr/local/bin/${binary}` }),
      );
    }
  });

  it("the image holds Node's compile cache of every module, written as the Pods' user and keyed as their Node settings key it", async () => {
    const cf = parseContainerfile(readFileSync(join(here, 'Containerfile'), 'utf8'));
    const cacheDir = cf.final.env.NODE_COMPILE_CACHE!;
    expect(cacheDir).toMatch(/^\/app\/./);
    const warm = cf.final.runs.find((r) => r.command.includes('node cmd/warm-compile-cache.ts'));
    // Node keys the cache by uid: written as the user the image (and so each Pod) runs as, where the processes will look.
    expect(warm).toMatchObject({ user: cf.final.user, env: { NODE_COMPILE_CACHE: cacheDir } });
    // The entry cannot be imported without running the CLI: it is cached by running it.
    expect(warm!.command).toMatch(/&& node cmd\/drover\.ts --help\b/);

    // What it imports is in the image, needs only production dependencies, and covers every module the entry loads.
    const files = imageFiles({
      root,
      copies: cf.final.contextCopies,
      ignore: parseIgnoreFile(readFileSync(join(here, 'Containerfile.dockerignore'), 'utf8')),
    });
    const modules = warmModules(root);
    expect(modules.length).toBeGreaterThan(200);
    expect(modules.filter((f) => !files.has(f))).toEqual([]);
    const warmed = importGraph({ root, entry: modules });
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(
      [...new Set([...warmed.bare.keys()].filter((s) => !isBuiltin(s)).map(packageOf))].filter(
        (p) => !(p in pkg.dependencies),
      ),
    ).toEqual([]);
    expect(
      [...importGraph({ root, entry: cf.final.entrypoint![1]! }).files].filter(
        (f) => f !== cf.final.entrypoint![1] && !warmed.files.has(f),
      ),
    ).toEqual([]);

    // Both Deployments (the hub's and the agent's): nothing mounted over the cache, and their Node settings key it as the build's did.
    const agentDeployment = find(await render(env.clusters[0]!, join(here, 'agent')), 'Deployment', 'drover-agent');
    const versionTag = async (nodeOptions: string | undefined) =>
      (
        await execFileP(process.execPath, ['-p', 'require("node:v8").cachedDataVersionTag()'], {
          env: { PATH: process.env.PATH, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
        })
      ).stdout.trim();
    const built = await versionTag(warm!.env.NODE_OPTIONS);
    for (const deployment of [find(rendered, 'Deployment', 'drover'), agentDeployment]) {
      const c = podSpec(deployment).containers[0]!;
      expect(
        c.volumeMounts!.filter((m) => cacheDir.startsWith(m.mountPath) || m.mountPath.startsWith(cacheDir)),
        deployment.metadata.name,
      ).toEqual([]);
      expect(
        c.env?.find((e) => e.name === 'NODE_COMPILE_CACHE'),
        deployment.metadata.name,
      ).toBeUndefined();
      expect(
        await versionTag(c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value),
        `${deployment.metadata.name}'s NODE_OPTIONS`,
      ).toBe(built);
    }
    // The key has teeth: a flag that changes code is a different cache.
    expect(await versionTag('--jitless')).not.toBe(built);
  });

  it('the ConfigMap holds a drover.yaml that validates, and the Deployment, Service and volumes follow it', () => {
    const deployment = find(rendered, 'Deployment', 'drover');
    const pod = podSpec(deployment);
    const container = pod.containers[0]!;
    const mount = (name: string) => container.volumeMounts!.find((m) => m.name === name)!;
    const volume = (name: string) => pod.volumes!.find((v) => v.name === name)!;
    const configMap = find(rendered, 'ConfigMap') as KubeObject & { data: Record<string, string> };
    expect(volume('config').configMap!.name).toBe(configMap.metadata.name);
    expect(Object.keys(configMap.data).sort()).toEqual(['drover.yaml', 'kubeconfig']);

    const file = posix.join(mount('config').mountPath, 'drover.yaml');
    const config = resolveConfig({ doc: parse(configMap.data['drover.yaml']!), file, env: {} });
    // The schema has teeth: the same document with a broken listen address is refused.
    expect(() =>
      resolveConfig({ doc: { ...parse(configMap.data['drover.yaml']!), serve: { listen: '0.0.0.0' } }, file, env: {} }),
    ).toThrow(InvalidInputError);

    // Listener, probes, Service and scrape annotations: one port.
    const port = Number(config.serve.listen.split(':').at(-1));
    expect(config.serve.listen).toBe('0.0.0.0:7070');
    const http = container.ports!.find((p) => p.name === 'http')!;
    expect(http.containerPort).toBe(port);
    expect(container.readinessProbe!.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe!.httpGet).toEqual({ path: '/healthz', port: 'http' });
    const service = find(rendered, 'Service', 'drover') as KubeObject & {
      spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] };
    };
    expect(service.spec.ports).toEqual([expect.objectContaining({ port, targetPort: 'http' })]);
    expect(service.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(port),
      'prometheus.io/path': '/metrics',
    });
    const podLabels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template
      .metadata.labels;
    expect(podLabels).toMatchObject(service.spec.selector);

    // State, Git caches and the default on-disk registry on the PVC; the kubeconfig from the ConfigMap.
    const stateMount = mount('state').mountPath;
    expect(volume('state').persistentVolumeClaim!.claimName).toBe(
      find(rendered, 'PersistentVolumeClaim').metadata.name,
    );
    expect(config.state).toBe(`${stateMount}/state.db`);
    expect(config.registry).toBe(`oci-layout://${stateMount}/registry`);
    expect(config.kubeconfig).toBe(posix.join(mount('config').mountPath, 'kubeconfig'));
    expect(config.clusters.map((c) => c.context)).toEqual([parse(configMap.data.kubeconfig!)['current-context']]);

    // The API token and webhook secret come from the Secret the template describes, under the names the config reads.
    const template = parse(readFileSync(join(here, 'secret.template.yaml'), 'utf8')) as KubeObject & {
      stringData: Record<string, string>;
    };
    const fromSecret = Object.fromEntries(
      container.env!.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom!.secretKeyRef!]),
    );
    for (const name of [config.serve.tokenEnv, ...Object.values(config.serve.webhook.secretEnvs)]) {
      expect(fromSecret[name]).toMatchObject({ name: template.metadata.name, key: name });
      // Placeholders only: real values are never committed.
      expect(template.stringData[name]).toBe(`\${${name}}`);
    }
    expect(Object.keys(template.stringData).sort()).toEqual(Object.keys(fromSecret).sort());
    expect(template.metadata.namespace).toBe(deployment.metadata.namespace);

    // One replica, never two at once; graceful shutdown within the kubelet's grace period, without preStop.
    expect(deployment.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(config.serve.graceSeconds);
    expect(container.lifecycle?.preStop).toBeUndefined();

    // Hardening and resources.
    expect(pod.securityContext).toMatchObject({ seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(volume('tmp').emptyDir).toBeDefined();
    expect(mount('tmp').mountPath).toBe('/tmp');
    expect(Object.keys(container.resources!.requests!).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources!.limits!).sort()).toEqual(['cpu', 'memory']);
    expect(pod.serviceAccountName).toBe(find(rendered, 'ServiceAccount').metadata.name);
  });

  it('the rendered RBAC is least privilege: no wildcard, no escalate/bind/impersonate, Secrets never cluster-wide', () => {
    const allowed = new Set(['get', 'list', 'watch', 'create', 'patch', 'delete', 'update']);
    const roles = rendered.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role') as (KubeObject & {
      rules: Rule[];
    })[];
    expect(roles.map((r) => `${r.kind}/${r.metadata.name}`).sort()).toEqual([
      'ClusterRole/drover',
      'ClusterRole/drover-secrets',
      'Role/drover',
    ]);
    for (const role of roles) {
      for (const rule of role.rules) {
        expect([...(rule.verbs ?? []), ...(rule.resources ?? []), ...(rule.apiGroups ?? [])]).not.toContain('*');
        expect(rule.nonResourceURLs).toBeUndefined();
        expect(
          rule.verbs.filter((v) => !allowed.has(v)),
          `${role.kind}/${role.metadata.name}`,
        ).toEqual([]);
        expect(rule.resources).not.toContain('nodes');
        // update is only for the Lease (leader election); SSA is patch.
        if (rule.verbs.includes('update')) expect(rule.resources).toEqual(['leases']);
      }
    }
    const grants = (name: string, kind = 'ClusterRole') =>
      roles
        .find((r) => r.kind === kind && r.metadata.name === name)!
        .rules.flatMap((r) => r.resources!.flatMap((res) => (r.apiGroups ?? ['']).map((g) => `${res}.${g}`)));
    expect(grants('drover')).not.toContain('secrets.');
    expect(grants('drover-secrets')).toEqual(['secrets.']);
    expect(grants('drover', 'Role').sort()).toEqual(['configmaps.', 'leases.coordination.k8s.io']);
    const leaseRule = roles.find((r) => r.kind === 'Role')!.rules.find((r) => r.resources!.includes('leases'))!;
    expect(leaseRule.verbs.sort()).toEqual(['create', 'get', 'update']);
    // drover-secrets is bound per namespace, never by a ClusterRoleBinding.
    const clusterBindings = rendered.filter((d) => d.kind === 'ClusterRoleBinding') as (KubeObject & {
      roleRef: { name: string };
    })[];
    expect(clusterBindings.map((b) => b.roleRef.name)).toEqual(['drover']);
    // Events are read only.
    const eventRule = roles
      .find((r) => r.metadata.name === 'drover' && r.kind === 'ClusterRole')!
      .rules.find((r) => r.resources!.includes('events'))!;
    expect(eventRule.verbs.sort()).toEqual(['get', 'list', 'watch']);
  });
});

describe('deploy/ on a real API server', () => {
  const cluster = env.clusters[0]!;

  it('the whole kustomization, with a Secret of random values, passes server-side dry-run and creates nothing', async () => {
    // Drover itself creates drover-system in every cluster it deploys to (the
    // inventory); namespaced objects cannot be dry-run into a namespace that does not exist.
    const existing = await kubectlOn(env, cluster, [
      'get',
      'namespace',
      'drover-system',
      '--ignore-not-found',
      '-o',
      'name',
    ]);
    if (existing.trim() === '') {
      const r = await kubectlResult(cluster, ['create', 'namespace', 'drover-system']);
      if (r.code !== 0) expect(r.stderr).toContain('AlreadyExists');
    }
    const { secret } = secretWithRandomValues('drover-system');
    const docs = [...rendered, secret];
    const file = writeDocs('dry-run.yaml', docs);
    const r = await kubectlResult(cluster, ['apply', '--server-side', '--dry-run=server', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.every((l) => l.endsWith(' serverside-applied (server dry run)'))).toBe(true);
    expect(lines.map((l) => l.split(' ')[0]).sort()).toEqual(docs.map(applyName).sort());
    // Nothing persisted.
    expect(await kubectlOn(env, cluster, ['get', 'clusterrole', 'drover', '--ignore-not-found', '-o', 'name'])).toBe(
      '',
    );
    expect(
      await kubectlOn(env, cluster, [
        '-n',
        'drover-system',
        'get',
        'deployment,secret,configmap',
        '-l',
        'app.kubernetes.io/part-of=drover',
        '-o',
        'name',
      ]),
    ).toBe('');
  });

  it('refuses broken variants: an unknown field, an invalid strategy', async () => {
    const deployment = find(rendered, 'Deployment', 'drover') as KubeObject & { spec: Record<string, unknown> };
    const unknownField = { ...deployment, spec: { ...deployment.spec, replica: 1 } };
    const r1 = await kubectlResult(cluster, [
      'apply',
      '--server-side',
      '--dry-run=server',
      '-f',
      writeDocs('unknown-field.yaml', [unknownField]),
    ]);
    expect(r1.code).not.toBe(0);
    expect(r1.stderr).toContain('.spec.replica: field not declared in schema');
    const badStrategy = {
      ...deployment,
      spec: { ...deployment.spec, strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } },
    };
    const r2 = await kubectlResult(cluster, [
      'apply',
      '--server-side',
      '--dry-run=server',
      '-f',
      writeDocs('bad-strategy.yaml', [badStrategy]),
    ]);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toContain('spec.strategy.rollingUpdate');
  });
});

describe('deploy/ RBAC for real, in a throwaway namespace', () => {
  // Cluster-scoped names are shared by every test on the cluster: the overlay suffixes them.
  const cluster = env.clusters.at(-1)!;
  const id = randomBytes(4).toString('hex');
  const ns = `drover-it-${id}`;
  const appNs = uniqueName('drover-app');
  const sa = `drover-${id}`;
  const user = `system:serviceaccount:${ns}:${sa}`;
  let variant: KubeObject[];
  let asDrover: Cluster | undefined;

  beforeAll(async () => {
    const overlay = mkdtempSync(join(scratch, 'overlay-'));
    writeFileSync(
      join(overlay, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        namespace: ns,
        nameSuffix: `-${id}`,
        resources: [relative(overlay, here)],
      }),
    );
    variant = await render(cluster, overlay);
    const rbacKinds = new Set([
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
    ]);
    await kubectlOn(env, cluster, [
      'apply',
      '--server-side',
      '-f',
      writeDocs(
        'rbac.yaml',
        variant.filter((d) => rbacKinds.has(d.kind)),
      ),
    ]);
    // What the RBAC file's header tells an operator to run for each app namespace.
    await kubectlOn(env, cluster, ['create', 'namespace', appNs]);
    await kubectlOn(env, cluster, [
      '-n',
      appNs,
      'create',
      'rolebinding',
      'drover-secrets',
      `--clusterrole=drover-secrets-${id}`,
      `--serviceaccount=${ns}:${sa}`,
    ]);

    // Drover's own client, configured by the kubeconfig the ConfigMap ships, with the in-Pod paths pointed at real files.
    const configMap = find(variant, 'ConfigMap') as KubeObject & { data: Record<string, string> };
    const kubeconfig = parse(configMap.data.kubeconfig!);
    const tokenFile = join(scratch, `token-${id}`);
    writeFileSync(
      tokenFile,
      (await kubectlOn(env, cluster, ['-n', ns, 'create', 'token', sa, '--duration=10m'])).trim(),
      { mode: 0o600 },
    );
    kubeconfig.clusters[0].cluster.server = cluster.server;
    kubeconfig.clusters[0].cluster['certificate-authority'] = cluster.caFile;
    kubeconfig.users[0].user['token-file'] = tokenFile;
    const file = join(scratch, `kubeconfig-${id}`);
    writeFileSync(file, stringify(kubeconfig), { mode: 0o600 });
    asDrover = await connectCluster({ name: 'as-drover', kubeconfig: file, context: kubeconfig['current-context'] });
  });
  afterAll(async () => {
    if (asDrover) closeCluster(asDrover);
    await kubectlResult(cluster, ['delete', 'namespace', ns, appNs, '--wait=false', '--ignore-not-found']);
    await kubectlResult(cluster, [
      'delete',
      `clusterrolebinding/drover-${id}`,
      `clusterrole/drover-${id}`,
      `clusterrole/drover-secrets-${id}`,
      '--ignore-not-found',
    ]);
  });

  it('the overlay moved every binding to the throwaway ServiceAccount', () => {
    const bindings = variant.filter((d) => d.kind.endsWith('Binding')) as (KubeObject & {
      subjects: { kind: string; name: string; namespace: string }[];
    })[];
    expect(bindings.length).toBe(2);
    for (const b of bindings) expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: ns }]);
  });

  it('SubjectAccessReviews: the ServiceAccount may do what Drover does, and nothing it does not need', async () => {
    type Check = [allowed: boolean, verb: string, resource: string, namespace: string, subresource?: string];
    const checks: Check[] = [
      // Server-side apply, its dry run, prune, and the create SSA may imply, on what bundles carry.
      [true, 'patch', 'deployments.apps', appNs],
      [true, 'create', 'deployments.apps', appNs],
      [true, 'delete', 'deployments.apps', appNs],
      [true, 'patch', 'configmaps', appNs],
      [true, 'patch', 'services', appNs],
      [true, 'patch', 'jobs.batch', appNs],
      [true, 'patch', 'ingresses.networking.k8s.io', appNs],
      [true, 'patch', 'poddisruptionbudgets.policy', appNs],
      [true, 'patch', 'horizontalpodautoscalers.autoscaling', appNs],
      [true, 'patch', 'rolebindings.rbac.authorization.k8s.io', appNs],
      [true, 'patch', 'namespaces', ''],
      [true, 'patch', 'persistentvolumeclaims', appNs],
      // Drift: list and watch everywhere.
      [true, 'list', 'deployments.apps', ''],
      [true, 'watch', 'configmaps', ''],
      // Health and events: read only.
      [true, 'list', 'pods', appNs],
      [true, 'list', 'replicasets.apps', appNs],
      [true, 'list', 'events', appNs],
      [true, 'list', 'events.events.k8s.io', appNs],
      [false, 'create', 'events', appNs],
      [false, 'patch', 'pods', appNs],
      [false, 'create', 'pods', appNs, 'exec'],
      // Secrets: in namespaces bound for it only.
      [true, 'patch', 'secrets', appNs],
      [true, 'get', 'secrets', appNs],
      [false, 'get', 'secrets', 'kube-system'],
      [false, 'list', 'secrets', ''],
      [false, 'get', 'secrets', ns],
      // Inventory and the Lease: Drover's namespace only.
      [true, 'patch', 'configmaps', ns],
      [true, 'get', 'leases.coordination.k8s.io', ns],
      [true, 'create', 'leases.coordination.k8s.io', ns],
      [true, 'update', 'leases.coordination.k8s.io', ns],
      [false, 'update', 'leases.coordination.k8s.io', 'kube-node-lease'],
      [false, 'delete', 'leases.coordination.k8s.io', ns],
      // Protected kinds are never deleted.
      [false, 'delete', 'namespaces', ''],
      [false, 'delete', 'persistentvolumeclaims', appNs],
      // Nothing cluster-wide it does not need, and no way around RBAC.
      [false, 'get', 'nodes', ''],
      [false, 'list', 'nodes', ''],
      [false, 'delete', 'nodes', ''],
      [false, 'get', 'persistentvolumes', ''],
      [false, 'create', 'clusterroles.rbac.authorization.k8s.io', ''],
      [false, 'create', 'clusterrolebindings.rbac.authorization.k8s.io', ''],
      [false, 'patch', 'customresourcedefinitions.apiextensions.k8s.io', ''],
      [false, 'patch', 'mutatingwebhookconfigurations.admissionregistration.k8s.io', ''],
      [false, 'escalate', 'roles.rbac.authorization.k8s.io', appNs],
      [false, 'bind', 'clusterroles.rbac.authorization.k8s.io', ''],
      [false, 'impersonate', 'users', ''],
      [false, 'impersonate', 'serviceaccounts', 'kube-system'],
      [false, 'update', 'deployments.apps', appNs],
    ];
    const reviews = checks.map(([, verb, resource, namespace, subresource]) => {
      const [plural, ...group] = resource.split('.');
      return {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
          resourceAttributes: {
            verb,
            group: group.join('.'),
            resource: plural,
            namespace,
            ...(subresource ? { subresource } : {}),
          },
        },
      };
    });
    const file = writeDocs('reviews.yaml', [{ apiVersion: 'v1', kind: 'List', items: reviews }]);
    // One kubectl for all of them; it prints one YAML document per review, in order.
    const out = parseAllDocuments(await kubectlOn(env, cluster, ['create', '-f', file, '-o', 'yaml'])).map(
      (d) => d.toJS() as { status: { allowed: boolean } },
    );
    expect(out.length).toBe(checks.length);
    const got = checks.map(
      ([, verb, resource, namespace, sub], i) =>
        `${verb} ${resource}${sub ? `/${sub}` : ''} in ${namespace || '(cluster)'}: ${out[i]!.status.allowed}`,
    );
    const want = checks.map(
      ([allowed, verb, resource, namespace, sub]) =>
        `${verb} ${resource}${sub ? `/${sub}` : ''} in ${namespace || '(cluster)'}: ${allowed}`,
    );
    expect(got).toEqual(want);
  });

  it("Drover's own client, as the ServiceAccount through the shipped kubeconfig: applies, prunes, reads events, and is refused outside its grants", async () => {
    const c = asDrover!;
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: appNs },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
      },
    };
    // Server-side apply: the dry run before a release, then the apply that creates.
    expect((await applyObject(c, { object: deployment, dryRun: true, before: null })).action).toBe('created');
    expect((await applyObject(c, { object: deployment, before: null })).action).toBe('created');
    const secret = (namespace: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'web', namespace },
      stringData: { password: randomBytes(8).toString('hex') },
    });
    await applyObject(c, { object: secret(appNs) });
    await expect(applyObject(c, { object: secret(ns) })).rejects.toThrow(UnauthorizedError);
    await expect(applyObject(c, { object: secret(ns) })).rejects.toThrow(`Secret/${ns}/web`);
    // An inventory ConfigMap in Drover's namespace.
    await applyObject(c, {
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'inventory-web', namespace: ns },
        data: { bundle: 'web' },
      },
    });
    // RBAC escalation: a bundle's Role may grant only what Drover holds in that namespace.
    const role = (name: string, rules: Rule[]): KubeObject => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace: appNs },
      rules,
    });
    await applyObject(c, {
      object: role('reads-secrets', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]),
    });
    await expect(
      applyObject(c, { object: role('execs', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }]) }),
    ).rejects.toThrow(/attempting to grant RBAC permissions not currently held/);
    const binding: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'admins', namespace: appNs },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: appNs }],
    };
    await expect(applyObject(c, { object: binding })).rejects.toThrow(UnauthorizedError);
    // Events of a release: list only.
    await listObjects(c, { apiVersion: 'v1', kind: 'Event', namespace: appNs });
    // Prune.
    expect(
      await deleteObject(c, { ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: appNs, name: 'web' } }),
    ).toBe(true);
    await expect(
      deleteObject(c, { ref: { apiVersion: 'v1', kind: 'Namespace', namespace: '', name: appNs } }),
    ).rejects.toThrow(UnauthorizedError);
    await expect(listObjects(c, { apiVersion: 'v1', kind: 'Node' })).rejects.toThrow(UnauthorizedError);
  });

  it("the Pod meets the namespace's restricted Pod Security Standard; a Pod without the hardening would not", async () => {
    const deployment = find(variant, 'Deployment') as KubeObject & { spec: { template: { spec: PodSpec } } };
    const ok = await kubectlResult(cluster, [
      'apply',
      '--server-side',
      '--dry-run=server',
      '-f',
      writeDocs('psa-ok.yaml', [deployment]),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toContain('PodSecurity');
    const { securityContext: _pod, ...podRest } = deployment.spec.template.spec;
    const soft = {
      ...deployment,
      spec: {
        ...deployment.spec,
        template: {
          ...deployment.spec.template,
          spec: { ...podRest, containers: podRest.containers.map(({ securityContext: _c, ...rest }) => rest) },
        },
      },
    };
    const bad = await kubectlResult(cluster, [
      'apply',
      '--server-side',
      '--dry-run=server',
      '-f',
      writeDocs('psa-bad.yaml', [soft]),
    ]);
    expect(bad.stderr).toContain('would violate PodSecurity "restricted:latest"');
  });
});
