// Fan-out across three real clusters in waves (canary c1, then c2 + c3): a
// healthy version reaches all three; a failing one stops at the canary, which
// rolls back, and the other clusters never receive it; one that is healthy on
// c1 and c3 but refused by a ResourceQuota on c2 rolls c2 back and returns c1
// and c3 to the version they ran, so all three end on one version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import { getObject } from '../cluster/get.ts';
import type { KubeObject } from '../object/ref.ts';
import { openState, type StateDb } from '../state/open.ts';
import { getRelease, releaseSteps } from '../state/releases.ts';
import { fanOut } from './fanout.ts';
import { readInventory } from './inventory.ts';
import type { VersionContent } from '../bundle/version-content.ts';

const env = testEnv();
const ns = uniqueName('fan');
const bundle = uniqueName('api');
const clusters = new Map<string, Cluster>();
let db: StateDb;
let drop: () => Promise<void>;

beforeAll(async () => {
  drop = await createNamespace(env, ns);
  for (const c of env.clusters)
    clusters.set(c.name, await connectCluster({ name: c.name, kubeconfig: env.kubeconfig, context: c.context }));
  db = openState({ path: ':memory:' });
});
afterAll(async () => {
  for (const c of clusters.values()) closeCluster(c);
  await drop();
});

function deploy(image: string, failing = false, replicas = 2): KubeObject {
  const labels: Record<string, string> = { app: 'api' };
  if (failing) labels['pod-container-running-failed.stage.kwok.x-k8s.io'] = 'true';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'api' } },
      template: { metadata: { labels }, spec: { containers: [{ name: 'api', image }] } },
    },
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
const wide = version('2.1.0', [deploy('registry.invalid/api:4', false, 4)]);
const waves = [{ clusters: ['c1'] }, { clusters: ['c2', 'c3'], concurrency: 2 }];
const run = (target: VersionContent) =>
  fanOut({ db, clusters, waves, target, loadVersion: async ({ digest }) => versions.get(digest)!, timeoutMs: 60_000 });

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

  it('returns the clusters that took a version to the one they ran when another cluster fails it', async () => {
    // c2 allows 3 Pods in the namespace: 2.0.0's two (plus one surging) fit, 2.1.0's four do not.
    await kubectlOn(env, env.clusters[1]!, ['create', 'quota', 'pods', '--hard=pods=3', '-n', ns]);
    const r = await run(wide);
    expect(r.ok).toBe(false);
    expect(r.clusters.map((c) => [c.cluster, c.state])).toEqual([
      ['c1', 'reverted'],
      ['c2', 'rolled-back'],
      ['c3', 'reverted'],
    ]);
    expect(r.clusters[1]!.reason).toBe('ExceededQuota');
    for (const c of [r.clusters[0]!, r.clusters[2]!]) {
      // It ran 2.1.0 healthy first; the revert is a release of 2.0.0 from 2.1.0 in the journal.
      expect(getRelease(db, c.releaseId!)).toMatchObject({ version: '2.1.0', state: 'succeeded' });
      expect(getRelease(db, c.revertReleaseId!)).toMatchObject({
        version: '2.0.0',
        fromVersion: '2.1.0',
        state: 'succeeded',
      });
      expect(releaseSteps(db, c.revertReleaseId!)[0]!.message).toMatch(
        new RegExp(`planned \\(from 2\\.1\\.0\\): revert: ${bundle}@2\\.1\\.0 failed on c2$`),
      );
    }
    for (const c of clusters.values()) {
      expect((await readInventory(c, bundle)).current?.version).toBe('2.0.0');
      const d = (await getObject(c, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: ns,
        name: 'api',
      })) as unknown as { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } };
      expect([d.spec.replicas, d.spec.template.spec.containers[0]!.image]).toEqual([2, 'registry.invalid/api:2']);
    }
  });

  it('with revertOnFailure off, the clusters that took the version keep it', async () => {
    const r = await fanOut({
      db,
      clusters,
      waves,
      target: wide,
      loadVersion: async ({ digest }) => versions.get(digest)!,
      timeoutMs: 60_000,
      revertOnFailure: false,
    });
    expect(r.clusters.map((c) => [c.cluster, c.state])).toEqual([
      ['c1', 'succeeded'],
      ['c2', 'rolled-back'],
      ['c3', 'succeeded'],
    ]);
    expect((await readInventory(clusters.get('c1')!, bundle)).current?.version).toBe('2.1.0');
    expect((await readInventory(clusters.get('c2')!, bundle)).current?.version).toBe('2.0.0');
  });
});
