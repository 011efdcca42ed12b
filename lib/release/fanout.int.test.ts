// Fan-out across three real clusters in waves (canary c1, then c2 + c3): a
// healthy version reaches all three; a failing one stops at the canary, which
// rolls back, and the other clusters never receive it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import type { KubeObject } from '../object/ref.ts';
import { openState, type StateDb } from '../state/open.ts';
import { fanOut } from './fanout.ts';
import { readInventory } from './inventory.ts';
import type { VersionContent } from './release.ts';

const env = testEnv();
const ns = uniqueName('fan');
const bundle = uniqueName('api');
const clusters = new Map<string, Cluster>();
let db: StateDb;
let drop: () => Promise<void>;

beforeAll(async () => {
  drop = await createNamespace(env, ns);
  for (const c of env.clusters) clusters.set(c.name, await connectCluster({ name: c.name, kubeconfig: env.kubeconfig, context: c.context }));
  db = openState({ path: ':memory:' });
});
afterAll(async () => {
  for (const c of clusters.values()) closeCluster(c);
  await drop();
});

function deploy(image: string, failing = false): KubeObject {
  const labels: Record<string, string> = { app: 'api' };
  if (failing) labels['pod-container-running-failed.stage.kwok.x-k8s.io'] = 'true';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: ns },
    spec: { replicas: 2, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels }, spec: { containers: [{ name: 'api', image }] } } },
  };
}
const versions = new Map<string, VersionContent>();
const version = (v: string, members: KubeObject[]) => {
  const c = { bundle, version: v, digest: `sha256:${v.replaceAll('.', '').padStart(64, 'a')}`, members };
  versions.set(c.digest, c);
  return c;
};
const good = version('2.0.0', [deploy('registry.invalid/api:2')]);
const bad = version('2.0.1', [deploy('registry.invalid/api:3', true)]);
const waves = [{ clusters: ['c1'] }, { clusters: ['c2', 'c3'], concurrency: 2 }];
const run = (target: VersionContent) => fanOut({ db, clusters, waves, target, loadVersion: async ({ digest }) => versions.get(digest)!, timeoutMs: 60_000 });

describe('fan-out in waves', () => {
  it('reaches every cluster with a healthy version', async () => {
    const r = await run(good);
    expect(r.ok).toBe(true);
    expect(r.clusters.map((c) => [c.cluster, c.wave, c.state])).toEqual([
      ['c1', 1, 'succeeded'],
      ['c2', 2, 'succeeded'],
      ['c3', 2, 'succeeded'],
    ]);
  });

  it('stops at the failing canary, rolls it back, and leaves the rest on the previous version', async () => {
    const r = await run(bad);
    expect(r.ok).toBe(false);
    expect(r.clusters.map((c) => [c.cluster, c.state])).toEqual([
      ['c1', 'rolled-back'],
      ['c2', 'not-started'],
      ['c3', 'not-started'],
    ]);
    expect(r.clusters[0]!.failedObject).toBe(`Deployment/${ns}/api`);
    for (const c of clusters.values()) expect((await readInventory(c, bundle)).current?.version).toBe('2.0.0');
  });
});
