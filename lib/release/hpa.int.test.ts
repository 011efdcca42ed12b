// A workload scaled by a HorizontalPodAutoscaler of the same bundle: Drover
// never applies its spec.replicas, so the autoscaler's choice survives
// releases (and drift never counts it; see lib/drift).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import type { KubeObject } from '../object/ref.ts';
import { openState } from '../state/open.ts';
import { releaseToCluster } from './release.ts';
import type { VersionContent } from '../bundle/version-content.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
const ns = uniqueName('hpa');
const bundle = uniqueName('hpa');
let cluster: Cluster;
let drop: () => Promise<void>;

beforeAll(async () => {
  drop = await createNamespace(env, ns, [c1]);
  cluster = await connectCluster({ name: 'c1', kubeconfig: env.kubeconfig, context: 'c1' });
});
afterAll(async () => {
  closeCluster(cluster);
  await drop();
});

const members = (level: string): KubeObject[] => [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: ns }, data: { LEVEL: level } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: {
          containers: [{ name: 'api', image: 'registry.invalid/api:1', envFrom: [{ configMapRef: { name: 'cfg' } }] }],
        },
      },
    },
  },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'api', namespace: ns },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      minReplicas: 3,
      maxReplicas: 5,
    },
  },
];
const replicas = async () =>
  (await kubectlOn(env, c1, ['get', 'deployment', 'api', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).trim();
const droverOwnsReplicas = async () => {
  const d = JSON.parse(
    await kubectlOn(env, c1, ['get', 'deployment', 'api', '-n', ns, '-o', 'json', '--show-managed-fields']),
  ) as KubeObject;
  const mf = (d.metadata.managedFields ?? []) as {
    manager: string;
    fieldsV1?: { 'f:spec'?: Record<string, unknown> };
  }[];
  return mf.some((f) => f.manager === 'drover' && f.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined);
};

describe('a workload an HPA of the bundle scales', () => {
  it('keeps the replicas the autoscaler chose through releases', async () => {
    const db = openState({ path: ':memory:' });
    const versions = new Map<string, VersionContent>();
    const content = (version: string, level: string) => {
      const c = {
        bundle,
        version,
        digest: `sha256:${version.replaceAll('.', '').padStart(64, '0')}`,
        members: members(level),
      };
      versions.set(c.digest, c);
      return c;
    };
    const loadVersion = async ({ digest }: { digest: string }) => versions.get(digest)!;
    expect(
      (await releaseToCluster({ db, cluster, target: content('1.0.0', 'info'), loadVersion, timeoutMs: 90_000 }))
        .release.state,
    ).toBe('succeeded');
    expect(await droverOwnsReplicas()).toBe(false);
    // The HPA controller raises the Deployment to minReplicas.
    const deadline = Date.now() + 90_000;
    while ((await replicas()) !== '3' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(await replicas()).toBe('3');

    expect(
      (await releaseToCluster({ db, cluster, target: content('1.0.1', 'debug'), loadVersion, timeoutMs: 90_000 }))
        .release.state,
    ).toBe('succeeded');
    expect(await replicas()).toBe('3');
    expect(await droverOwnsReplicas()).toBe(false);
  });
});
