// readLive against a real kube-apiserver: many members of one kind in a
// namespace are read with one LIST, not a GET each, and the answer is the same
// as a GET per object (present objects as the server has them, absent ones
// null, nothing from another namespace). An identity that may get but not
// list (a real ServiceAccount token under RBAC) still reads everything.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

import { tmpdir } from 'node:os';

import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { stringify } from 'yaml';

import { kubeconfigDoc } from '../../fixtures/testenv/kube.ts';

import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

import { applyObject } from '../cluster/apply.ts';

import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';

import { getObject } from '../cluster/get.ts';
import { type KubeObject, type ObjectId, refKey } from '../object/ref.ts';
import { readLive } from './read-live.ts';

const env = testEnv();
const ns = uniqueName('live');
const other = uniqueName('live-other');
let cluster: Cluster;
let drops: (() => Promise<void>)[] = [];

const cm = (name: string, namespace = ns): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data: { name },
});
const id = (kind: string, name: string, namespace = ns): ObjectId => ({ apiVersion: 'v1', kind, namespace, name });
const names = Array.from({ length: 12 }, (_, i) => `cm-${i}`);
const ids = [
  ...names.map((n) => id('ConfigMap', n)),
  id('ConfigMap', 'absent-1'),
  id('ConfigMap', 'absent-2'),
  id('ConfigMap', 'cm-0'),
  id('Service', 'web'),
  id('Secret', 'absent-3'),
];
const dir = mkdtempSync(join(tmpdir(), 'drover-live-'));
const summary = (live: Map<string, KubeObject | null>) =>
  [...live]
    .map(([k, o]) => [
      k,
      o && `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`,
    ])
    .sort();

beforeAll(async () => {
  drops = [await createNamespace(env, ns, [env.clusters[0]!]), await createNamespace(env, other, [env.clusters[0]!])];
  cluster = await connectCluster({ name: 'c1', kubeconfig: env.kubeconfig, context: 'c1' });
  for (const n of names) await applyObject(cluster, { object: cm(n) });
  // Same name in another namespace: must not be taken for the absent member.
  await applyObject(cluster, { object: cm('absent-1', other) });
  await applyObject(cluster, {
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: ns },
      spec: { ports: [{ port: 80 }] },
    },
  });
});
afterAll(async () => {
  closeCluster(cluster);
  await Promise.all(drops.map((d) => d()));
  rmSync(dir, { recursive: true, force: true });
});

describe('readLive', () => {
  it('reads N ConfigMaps of one namespace with one LIST, and few objects of a kind with a GET each', async () => {
    await readLive(cluster, ids.slice(0, 1), 4); // warm discovery, as a running engine has it
    const before = { ...cluster.client.stats, byMethod: { ...cluster.client.stats.byMethod } };

    const live = await readLive(cluster, ids, 4);

    // One LIST for the 14 ConfigMaps, one GET for the Service, one for the Secret.
    expect(cluster.client.stats.requests - before.requests).toBe(3);
    expect((cluster.client.stats.byMethod.GET ?? 0) - (before.byMethod.GET ?? 0)).toBe(3);
    expect(live.size).toBe(16);

    // The same answer as a GET per object.
    for (const m of ids) {
      const got = await getObject(cluster, {
        apiVersion: m.apiVersion,
        kind: m.kind,
        namespace: m.namespace,
        name: m.name,
      });
      const read = live.get(refKey(m));
      if (got === null) expect(read).toBeNull();
      else
        expect({
          kind: read?.kind,
          apiVersion: read?.apiVersion,
          name: read?.metadata.name,
          namespace: read?.metadata.namespace,
          rv: read?.metadata.resourceVersion,
          data: read?.data,
        }).toEqual({
          kind: got.kind,
          apiVersion: got.apiVersion,
          name: got.metadata.name,
          namespace: got.metadata.namespace,
          rv: got.metadata.resourceVersion,
          data: got.data,
        });
    }
    expect(live.get(refKey(id('ConfigMap', 'absent-1')))).toBeNull();
  });

  it('falls back to a GET per member when the identity may get but not list', async () => {
    const c = env.clusters[0]!;
    await kubectlOn(env, c, ['create', 'serviceaccount', 'getter', '-n', ns]);
    await kubectlOn(env, c, [
      'create',
      'role',
      'getter',
      '-n',
      ns,
      '--verb=get',
      '--resource=configmaps,services,secrets',
    ]);
    await kubectlOn(env, c, [
      'create',
      'rolebinding',
      'getter',
      '-n',
      ns,
      '--role=getter',
      `--serviceaccount=${ns}:getter`,
    ]);
    const token = (await kubectlOn(env, c, ['create', 'token', 'getter', '-n', ns])).trim();
    const kubeconfig = join(dir, 'getter');
    writeFileSync(
      kubeconfig,
      stringify(kubeconfigDoc([{ name: 'c1', server: c.server, ca: readFileSync(c.caFile, 'utf8'), token }], 'c1')),
      { mode: 0o600 },
    );
    const getter = await connectCluster({ name: 'c1', kubeconfig, context: 'c1' });
    try {
      const expected = summary(await readLive(cluster, ids, 4));
      const before = getter.client.stats.requests;
      expect(summary(await readLive(getter, ids, 4))).toEqual(expected);
      // Discovery (2), the refused LIST (1), a GET for each of the 14 ConfigMaps, the Service and the Secret (16).
      expect(getter.client.stats.requests - before).toBe(19);
    } finally {
      closeCluster(getter);
    }
  });
});
