// createInformer against a real kube-apiserver: the cache follows the
// selected objects (a list, then every event, across the server ending the
// watch), a handler reading the cache sees the event's copy, and a relist
// (with or without a watch) replaces the cache with what the server has.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import type { KubeObject } from '../object/ref.ts';
import { applyObject } from './apply.ts';
import { type Cluster, closeCluster, connectCluster } from './cluster.ts';
import { deleteObject } from './delete.ts';
import { createInformer } from './informer.ts';

const env = testEnv();
const ns = uniqueName('informer');
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

const cm = (
  name: string,
  data: Record<string, string>,
  labels: Record<string, string> = { informed: 'yes' },
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, labels },
  data,
});
const names = (objects: KubeObject[]) => objects.map((o) => o.metadata.name).sort();

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('createInformer', () => {
  it('keeps the selected objects current across events and reconnects; handlers see the cache already updated', async () => {
    await applyObject(cluster, { object: cm('a', { k: '1' }) });
    const seenInCache: string[] = [];
    const inf = createInformer(cluster, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: 'informed=yes',
      timeoutSeconds: 1,
      onEvent: (e) =>
        void seenInCache.push(
          `${e.type} ${e.object.metadata.name} ${JSON.stringify(inf.get({ namespace: ns, name: e.object.metadata.name })?.data ?? null)}`,
        ),
    });
    expect(inf.synced).toBe(false);
    await inf.start();
    expect(inf.synced).toBe(true);
    expect(names(inf.list())).toEqual(['a']);
    expect(inf.get({ namespace: ns, name: 'a' })?.data).toEqual({ k: '1' });

    await applyObject(cluster, { object: cm('b', { k: '1' }) });
    await applyObject(cluster, { object: cm('other', { k: '1' }, { informed: 'no' }) });
    await applyObject(cluster, { object: cm('a', { k: '2' }) });
    await deleteObject(cluster, { ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'b' } });
    await until(() => seenInCache.length >= 3, 'three events');
    expect(seenInCache).toEqual(['ADDED b {"k":"1"}', 'MODIFIED a {"k":"2"}', 'DELETED b null']);
    expect(names(inf.list())).toEqual(['a']);

    // The server ends each watch after a second; the cache still follows, with no second list.
    await until(() => inf.stats().watches >= 2, 'a reconnect', 15_000);
    await applyObject(cluster, { object: cm('c', { k: '1' }) });
    await until(() => inf.get({ namespace: ns, name: 'c' }) !== undefined, 'the object added after reconnecting');
    expect(inf.stats()).toMatchObject({ lists: 1, relists: 0, errors: 0 });
    await inf.stop();
  });

  it('relists without a watch: the cache becomes what the server has now', async () => {
    const inf = createInformer(cluster, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: 'informed=later',
    });
    await applyObject(cluster, { object: cm('x', { k: '1' }, { informed: 'later' }) });
    await applyObject(cluster, { object: cm('y', { k: '1' }, { informed: 'later' }) });
    expect(names(await inf.relist())).toEqual(['x', 'y']);
    await deleteObject(cluster, { ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'x' } });
    expect(names(await inf.relist())).toEqual(['y']);
    expect(inf.get({ namespace: ns, name: 'x' })).toBeUndefined();
    expect(inf.stats()).toMatchObject({ lists: 0, watches: 0, relists: 2 });
    await inf.stop();
  });
});
