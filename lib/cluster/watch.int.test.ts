// watchObjects against a real kube-apiserver: list then a stream of events,
// filtered by label selector; reconnect from the last resourceVersion after
// the server ends the watch, without listing again; 410 Gone relists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import type { KubeObject } from '../object/ref.ts';
import { applyObject } from './apply.ts';
import { type Cluster, closeCluster, connectCluster } from './cluster.ts';
import { deleteObject } from './delete.ts';
import { type WatchEvent, watchObjects } from './watch.ts';

const env = testEnv();
const ns = uniqueName('watch');
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
  labels: Record<string, string> = { watched: 'yes' },
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, labels },
  data,
});

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('watchObjects', () => {
  it('lists, then streams changes to the selected objects only, and resumes after the server ends the watch', async () => {
    await applyObject(cluster, { object: cm('before', { a: '1' }) });
    const listed: string[][] = [];
    const events: string[] = [];
    const w = watchObjects(cluster, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: 'watched=yes',
      timeoutSeconds: 1,
      onList: (items) => void listed.push(items.map((i) => i.metadata.name)),
      onEvent: (e: WatchEvent) =>
        void events.push(`${e.type} ${e.object.kind}/${e.object.metadata.name} ${JSON.stringify(e.object.data ?? {})}`),
    });
    await w.ready;
    expect(listed).toEqual([['before']]);

    await applyObject(cluster, { object: cm('x', { k: '1' }) });
    await applyObject(cluster, { object: cm('ignored', { k: '1' }, { watched: 'no' }) });
    await kubectlOn(env, env.clusters[0]!, [
      'patch',
      'configmap',
      'x',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"data":{"k":"2"}}',
    ]);
    await deleteObject(cluster, { ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'x' } });
    await until(() => events.length >= 3, 'three events');
    expect(events).toEqual([
      'ADDED ConfigMap/x {"k":"1"}',
      'MODIFIED ConfigMap/x {"k":"2"}',
      'DELETED ConfigMap/x {"k":"2"}',
    ]);

    // The server closes each watch after a second; a change made after that still arrives, with no second list.
    await until(() => w.stats.watches >= 2, 'a reconnect', 15_000);
    await applyObject(cluster, { object: cm('after', { k: '1' }) });
    await until(() => events.length >= 4, 'the event after reconnecting');
    expect(events[3]).toBe('ADDED ConfigMap/after {"k":"1"}');
    expect(w.stats.lists).toBe(1);
    await w.stop();
    expect(w.stats.errors).toBe(0);
  });

  it('relists when the resourceVersion is too old (410 Gone)', async () => {
    await applyObject(cluster, { object: cm('old', { a: '1' }) });
    const listed: string[][] = [];
    const w = watchObjects(cluster, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: 'watched=yes',
      resourceVersion: '1',
      onList: (items) => void listed.push(items.map((i) => i.metadata.name).sort()),
      onEvent: () => {},
    });
    // The server accepts the watch, then says 410 in an ERROR event: the watch lists and carries on.
    await until(() => listed.length === 1, 'a relist');
    expect(w.stats.gone).toBe(1);
    expect(listed).toEqual([expect.arrayContaining(['old'])]);
    await w.stop();
  });

  it('stops promptly while connected, and ready rejects if stopped first', async () => {
    const w = watchObjects(cluster, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      onList: () => {},
      onEvent: () => {},
    });
    await w.ready;
    await w.stop();
    const never = watchObjects(cluster, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      onList: () => {},
      onEvent: () => {},
    });
    await never.stop();
    await expect(never.ready).rejects.toThrow(/stopped before it was ready/);
  });
});
