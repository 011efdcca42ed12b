// The release engine against a real control plane: v1 and v2 roll out whole;
// v3 (a Deployment that crash-loops, a dropped Service, a new ConfigMap)
// fails and the cluster returns to exactly v2; a foreign ConfigMap in the same
// namespace is never touched; an immutable-field change fails clearly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import { getObject } from '../cluster/get.ts';
import type { KubeObject } from '../object/ref.ts';
import { openState, type StateDb } from '../state/open.ts';
import { releaseSteps } from '../state/releases.ts';
import { readInventory } from './inventory.ts';
import { releaseToCluster } from './release.ts';
import type { VersionContent } from '../bundle/version-content.ts';

const env = testEnv();
const ns = uniqueName('rel');
const bundle = uniqueName('web');
let cluster: Cluster;
let db: StateDb;
let drop: () => Promise<void>;

beforeAll(async () => {
  drop = await createNamespace(env, ns, [env.clusters[0]!]);
  cluster = await connectCluster({ name: 'c1', kubeconfig: env.kubeconfig, context: 'c1' });
  db = openState({ path: ':memory:' });
  await kubectlOn(env, env.clusters[0]!, [
    'create',
    'configmap',
    'foreign',
    '-n',
    ns,
    '--from-literal=owner=someone-else',
  ]);
});
afterAll(async () => {
  closeCluster(cluster);
  await drop();
});

const cm = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data,
});
const svc: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: ns },
  spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
};
function deploy({ configMap, failing = false }: { configMap: string; failing?: boolean }): KubeObject {
  const labels: Record<string, string> = { app: 'web' };
  if (failing) labels['pod-container-running-failed.stage.kwok.x-k8s.io'] = 'true';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 10,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            { name: 'web', image: 'registry.invalid/web:1', envFrom: [{ configMapRef: { name: configMap } }] },
          ],
        },
      },
    },
  };
}

const versions = new Map<string, VersionContent>();
function version(v: string, members: KubeObject[]): VersionContent {
  const content = { bundle, version: v, digest: `sha256:${v.replaceAll('.', '').padStart(64, '0')}`, members };
  versions.set(content.digest, content);
  return content;
}
const v1 = version('1.0.0', [cm('cfg1', { a: '1' }), svc, deploy({ configMap: 'cfg1' })]);
const v2 = version('1.0.1', [cm('cfg1', { a: '1' }), cm('cfg2', { b: '2' }), svc, deploy({ configMap: 'cfg2' })]);
const v3 = version('1.0.2', [
  cm('cfg1', { a: '1' }),
  cm('cfg2', { b: '2' }),
  cm('cfg3', { c: '3' }),
  deploy({ configMap: 'cfg3', failing: true }),
]);

const loadVersion = async ({ digest }: { digest: string }) => versions.get(digest)!;
const release = (target: VersionContent, timeoutMs = 60_000) =>
  releaseToCluster({ db, cluster, target, loadVersion, timeoutMs });
const live = (kind: string, name: string, apiVersion = 'v1') =>
  getObject(cluster, { apiVersion, kind, namespace: ns, name });

describe('release engine on one cluster', () => {
  it('releases v1 then v2 whole and healthy', async () => {
    const r1 = await release(v1);
    expect(r1.release.state).toBe('succeeded');
    expect(r1.plan).toMatchObject({ create: 3 });
    const r2 = await release(v2);
    expect(r2.release.state).toBe('succeeded');
    expect(r2.plan).toMatchObject({ create: 1, update: 1, unchanged: 2 });
    expect((await live('ConfigMap', 'cfg2'))?.data).toEqual({ b: '2' });
    const inv = await readInventory(cluster, bundle);
    expect(inv.current?.version).toBe('1.0.1');
    expect(inv.pending).toBeNull();
  });

  it('re-releasing the same version writes nothing and dry-runs nothing', async () => {
    const before = { ...cluster.client.stats };
    const r = await release(v2);
    expect(r.release.state).toBe('succeeded');
    expect(r.written).toBe(0);
    expect(r.plan).toMatchObject({ create: 0, update: 0, unchanged: 4 });
    expect(cluster.client.stats.dryRuns - before.dryRuns).toBe(0);
    expect(cluster.client.stats.writes - before.writes).toBe(0); // not even the inventory's in-flight mark
    expect((await readInventory(cluster, bundle)).current?.version).toBe('1.0.1');
  });

  it('re-releasing the same version after out-of-band changes dry-runs and writes only what drifted', async () => {
    const c1 = env.clusters[0]!;
    await kubectlOn(env, c1, [
      'patch',
      'configmap',
      'cfg2',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"data":{"b":"changed"}}',
    ]);
    await kubectlOn(env, c1, ['scale', 'deployment', 'web', '-n', ns, '--replicas=3']);
    await kubectlOn(env, c1, ['annotate', 'configmap', 'cfg1', '-n', ns, 'someone.example/note=fine']); // another manager's own field: not drift, not rewritten
    const cfg1 = (await live('ConfigMap', 'cfg1'))!.metadata.resourceVersion;
    const before = { ...cluster.client.stats };
    const r = await release(v2);
    expect(r.release.state).toBe('succeeded');
    expect(r.plan).toMatchObject({ create: 0, update: 2, unchanged: 2 });
    expect(r.written).toBe(2);
    expect(cluster.client.stats.dryRuns - before.dryRuns).toBe(2);
    expect((await live('ConfigMap', 'cfg2'))?.data).toEqual({ b: '2' });
    expect((await live('Deployment', 'web', 'apps/v1'))?.spec).toMatchObject({ replicas: 2 });
    expect((await live('ConfigMap', 'cfg1'))!.metadata.resourceVersion).toBe(cfg1);
    expect(releaseSteps(db, r.release.id).find((s) => s.state === 'applying')?.message).toMatch(
      /2 already as this version applied them, not dry-run/,
    );
  });

  it('rolls a failing v3 back to exactly v2 and says which object failed and why', async () => {
    const r = await release(v3);
    expect(r.release.state).toBe('rolled-back');
    expect(r.release.failedObject).toBe(`Deployment/${ns}/web`);
    expect(r.release.reason).toMatch(/CrashLoopBackOff|ProgressDeadlineExceeded/);
    const steps = releaseSteps(db, r.release.id).map((s) => s.state);
    expect(steps).toEqual(['planned', 'applying', 'verifying', 'failed', 'rolling-back', 'rolled-back']);

    // Whole bundle back on v2: Service recreated, v3-only ConfigMap deleted, Deployment template as in v2.
    expect(await live('Service', 'web')).not.toBeNull();
    expect(await live('ConfigMap', 'cfg3')).toBeNull();
    const d = (await live('Deployment', 'web', 'apps/v1')) as unknown as {
      spec: {
        template: { metadata: { labels: Record<string, string> }; spec: { containers: { envFrom: unknown }[] } };
      };
    };
    expect(d.spec.template.metadata.labels).toEqual({ app: 'web' });
    expect(d.spec.template.spec.containers[0]!.envFrom).toEqual([{ configMapRef: { name: 'cfg2' } }]);
    const inv = await readInventory(cluster, bundle);
    expect(inv.current?.version).toBe('1.0.1');
    expect(inv.pending).toBeNull();
  });

  it('never touches a foreign object in the same namespace', async () => {
    const foreign = await live('ConfigMap', 'foreign');
    expect(foreign?.data).toEqual({ owner: 'someone-else' });
    expect(foreign?.metadata.annotations?.['drover.dev/owner']).toBeUndefined();
    expect((foreign?.metadata.managedFields as { manager: string }[]).map((m) => m.manager)).not.toContain('drover');
  });
});
