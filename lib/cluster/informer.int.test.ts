// The informer against a real kube-apiserver: a one-off LIST fills its cache;
// a watch keeps it current (an update seen, a delete removes it, an object
// without the label never enters), and the owner is called after the cache
// has changed, so what it reads is at least as new as the event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { keyOf, type KubeObject } from '../object/ref.ts';
import { applyObject } from './apply.ts';
import { type Cluster, closeCluster, connectCluster } from './cluster.ts';
import { deleteObject } from './delete.ts';
import { listObjects } from './get.ts';
import { createInformer } from './informer.ts';

const env = testEnv();
const ns = uniqueName('inform');
let cluster: Cluster;
let drop: () => Promise<void>;

beforeAll(async () => {
  drop = await createNamespace(env, ns, [env.clusters[0]!]);
  cluster = await connectCluster({ name: 'c1', kubeconfig: env.kubeconfig, context: 'c1' });
});
afterAll(async () => {
  closeCluster(cluster);
  await drop();
});

const cm = (name: string, data: Record<string, string>, labels: Record<string, string> = { informed: 'yes' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data });
const dataOf = (o: KubeObject | undefined) => (o?.data as Record<string, string> | undefined) ?? {};
const until = async (cond: () => boolean, what: string) => {
  for (const end = Date.now() + 10_000; !cond(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
};

describe('informer', () => {
  it('a LIST fills it; a watch keeps it current, calling its owner after the cache changed', async () => {
    await applyObject(cluster, { object: cm('a', { v: '1' }) });
    const scanned = createInformer({ cluster, apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, labelSelector: 'informed' });
    expect(scanned.synced).toBe(false);
    scanned.replace((await listObjects(cluster, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, labelSelector: 'informed' })).items);
    expect(scanned.synced).toBe(true);
    expect(scanned.get(keyOf(cm('a', {})))?.data).toEqual({ v: '1' });

    const informer = createInformer({ cluster, apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, labelSelector: 'informed' });
    const seen: string[] = [];
    informer.watch({
      onList: (items) => seen.push(`list ${items.length}`),
      // The cache already holds the event's object (or no longer holds a deleted one) when the owner is called.
      onEvent: (e) => seen.push(`${e.type} ${e.object.metadata.name} cached=${dataOf(informer.get(keyOf(e.object))).v ?? 'none'}`),
    });
    await informer.ready;
    expect(seen).toEqual(['list 1']);
    await applyObject(cluster, { object: cm('a', { v: '2' }) });
    await applyObject(cluster, { object: cm('b', { v: '1' }, { other: 'x' }) });
    await until(() => dataOf(informer.get(keyOf(cm('a', {})))).v === '2', 'the update');
    await deleteObject(cluster, { ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'a' } });
    await until(() => informer.get(keyOf(cm('a', {}))) === undefined, 'the delete');
    expect(seen).toEqual(['list 1', 'MODIFIED a cached=2', 'DELETED a cached=none']);
    expect(informer.get(keyOf(cm('b', {})))).toBeUndefined();
    await informer.stop();
  });
});
