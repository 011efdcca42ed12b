// deploy/agent/ against a real API server: the kustomization renders with
// the control plane's own kubectl, shares deploy/'s RBAC object for object,
// runs `drover agent` with flags the CLI accepts and values the generated
// ConfigMap defines, as the Pod's ServiceAccount (no kubeconfig), with the
// registry credentials of the Secret its template describes, and passes
// server-side dry-run whole while creating nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { serveVerbs } from '../../cmd/verbs-serve.ts';
import { kubectlOn, testEnv } from '../../fixtures/testenv/use-env.ts';
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
  volumes: { name: string; emptyDir?: unknown; secret?: { secretName: string; items: { key: string; path: string }[] } }[];
  securityContext: unknown;
}

const render = async (dir: string) => parseAllDocuments(await kubectlOn(env, cluster, ['kustomize', dir])).map((d) => d.toJS() as KubeObject);
let agent: KubeObject[];
let hub: KubeObject[];
beforeAll(async () => {
  [agent, hub] = await Promise.all([render(here), render(dirname(here))]);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const find = (docs: KubeObject[], kind: string, name?: string) => docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name.startsWith(name)))!;
const podOf = (docs: KubeObject[]) => (find(docs, 'Deployment', 'drover-agent').spec as { template: { spec: PodSpec } }).template.spec;

describe('deploy/agent/', () => {
  it('has the hub\'s namespace, ServiceAccount and RBAC object for object, and none of the hub\'s server', () => {
    const shared = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
    const key = (d: KubeObject) => `${d.kind}/${d.metadata.name}`;
    expect(agent.filter((d) => shared.has(d.kind)).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(hub.filter((d) => shared.has(d.kind)).sort((a, b) => key(a).localeCompare(key(b))));
    expect(agent.map(key).filter((k) => !shared.has(k.split('/')[0]!)).map((k) => k.replace(/-[a-z0-9]{10}$/, '')).sort()).toEqual(['ConfigMap/drover-agent', 'Deployment/drover-agent']);
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
    const template = parse(readFileSync(join(here, 'registry-secret.template.yaml'), 'utf8')) as KubeObject & { type: string; stringData: Record<string, string> };
    const dockerConfig = c.env!.find((e) => e.name === 'DOCKER_CONFIG')!.value!;
    const mount = c.volumeMounts.find((m) => m.mountPath === dockerConfig)!;
    expect(mount.readOnly).toBe(true);
    expect(pod.volumes.find((v) => v.name === mount.name)!.secret).toEqual({ secretName: template.metadata.name, items: [{ key: '.dockerconfigjson', path: 'config.json' }] });
    expect(template.type).toBe('kubernetes.io/dockerconfigjson');
    expect(template.stringData).toEqual({ '.dockerconfigjson': '${DOCKERCONFIGJSON}' });
    expect(template.metadata.namespace).toBe(find(agent, 'Deployment', 'drover-agent').metadata.namespace);
    // Hardened like the hub's Pod.
    const hubPod = (find(hub, 'Deployment', 'drover').spec as { template: { spec: PodSpec } }).template.spec;
    expect(c.securityContext).toEqual(hubPod.containers[0]!.securityContext);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  it('passes server-side dry-run whole, with a Secret of random credentials, and creates nothing', async () => {
    const existing = await kubectlOn(env, cluster, ['get', 'namespace', 'drover-system', '--ignore-not-found', '-o', 'name']);
    if (existing.trim() === '') await kubectlOn(env, cluster, ['create', 'namespace', 'drover-system']).catch(() => '');
    const template = parse(readFileSync(join(here, 'registry-secret.template.yaml'), 'utf8')) as KubeObject & { stringData: Record<string, string> };
    const secret = { ...template, stringData: { '.dockerconfigjson': JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from(`agent:${Math.random()}`).toString('base64') } } }) } };
    const file = join(scratch, 'dry-run.yaml');
    writeFileSync(file, [...agent, secret].map((d) => stringify(d)).join('---\n'));
    const r = await promisify(execFile)(env.bin, ['kubectl', `--kubeconfig=${cluster.kubeconfig}`, 'apply', '--server-side', '--dry-run=server', '-f', file]);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(agent.length + 1);
    expect(lines.every((l) => l.endsWith(' serverside-applied (server dry run)'))).toBe(true);
    expect(await kubectlOn(env, cluster, ['-n', 'drover-system', 'get', 'deployment,secret', '-l', 'app.kubernetes.io/part-of=drover', '-o', 'name'])).toBe('');
  });
});
