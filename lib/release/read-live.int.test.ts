// readLive against a real kube-apiserver: many members of one kind in a
// namespace are read with one LIST, not a GET each, and the answer is the same
// as a GET per object (present objects as the server has them, absent ones
// null, nothing from another namespace).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { applyObject } from '../cluster/apply.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import { getObject } from '../cluster/get.ts';
import type { KubeObject } from '../object/ref.ts';
import type { MemberId } from './inventory.ts';
import { keyOfId } from './plan.ts';
import { readLive } from './release.ts';

const env = testEnv();
const ns = uniqueName('live');
const other = uniqueName('live-other');
let cluster: Cluster;
let drops: (() => Promise<void>)[] = [];

const cm = (name: string, namespace = ns): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { name } });
const id = (kind: string, name: string, namespace = ns): MemberId => ({ apiVersion: 'v1', kind, namespace, name });
const names = Array.from({ length: 12 }, (_, i) => `cm-${i}`);

beforeAll(async () => {
  drops = [await createNamespace(env, ns, [env.clusters[0]!]), await createNamespace(env, other, [env.clusters[0]!])];
  cluster = await connectCluster({ name: 'c1', kubeconfig: env.kubeconfig, context: 'c1' });
  for (const n of names) await applyObject(cluster, { object: cm(n) });
  // Same name in another namespace: must not be taken for the absent member.
  await applyObject(cluster, { object: cm('absent-1', other) });
  await applyObject(cluster, { object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { ports: [{ port: 80 }] } } });
});
afterAll(async () => {
  closeCluster(cluster);
  await Promise.all(drops.map((d) => d()));
});

describe('readLive', () => {
  it('reads N ConfigMaps of one namespace with one LIST, and few objects of a kind with a GET each', async () => {
    const ids = [...names.map((n) => id('ConfigMap', n)), id('ConfigMap', 'absent-1'), id('ConfigMap', 'absent-2'), id('ConfigMap', 'cm-0'), id('Service', 'web'), id('Secret', 'absent-3')];
    await readLive(cluster, ids.slice(0, 1), 4); // warm discovery, as a running engine has it
    const before = { ...cluster.client.stats, byMethod: { ...cluster.client.stats.byMethod } };

    const live = await readLive(cluster, ids, 4);

    // One LIST for the 14 ConfigMaps, one GET for the Service, one for the Secret.
    expect(cluster.client.stats.requests - before.requests).toBe(3);
    expect((cluster.client.stats.byMethod.GET ?? 0) - (before.byMethod.GET ?? 0)).toBe(3);
    expect(live.size).toBe(16);

    // The same answer as a GET per object.
    for (const m of ids) {
      const got = await getObject(cluster, { apiVersion: m.apiVersion, group: '', kind: m.kind, namespace: m.namespace, name: m.name });
      const read = live.get(keyOfId(m));
      if (got === null) expect(read).toBeNull();
      else expect({ kind: read?.kind, apiVersion: read?.apiVersion, name: read?.metadata.name, namespace: read?.metadata.namespace, rv: read?.metadata.resourceVersion, data: read?.data }).toEqual({ kind: got.kind, apiVersion: got.apiVersion, name: got.metadata.name, namespace: got.metadata.namespace, rv: got.metadata.resourceVersion, data: got.data });
    }
    expect(live.get(keyOfId(id('ConfigMap', 'absent-1')))).toBeNull();
  });
});
