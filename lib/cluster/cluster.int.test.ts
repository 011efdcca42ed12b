// lib/cluster against a real kube-apiserver: server-side apply (create,
// unchanged, configured, dry run), get/list/delete, immutable-field errors
// classified from the API's Status, and a bad context named clearly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { InvalidInputError } from '../errors/errors.ts';
import type { KubeObject } from '../object/ref.ts';
import { applyObject } from './apply.ts';
import { type Cluster, closeCluster, connectCluster } from './cluster.ts';
import { deleteObject } from './delete.ts';
import { getObject, listObjects } from './get.ts';
import { kubeCause } from './kube-error.ts';

const env = testEnv();
const ns = uniqueName('cluster');
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

const cm = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data,
});
const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });

describe('cluster operations', () => {
  it('applies server-side: created, unchanged, configured; dry run changes nothing', async () => {
    expect(await getObject(cluster, ref('a'))).toBeNull();
    const created = await applyObject(cluster, { object: cm('a', { k: '1' }), before: null });
    expect(created.action).toBe('created');
    expect(created.object.metadata.managedFields).toEqual(
      expect.arrayContaining([expect.objectContaining({ manager: 'drover', operation: 'Apply' })]),
    );

    const live = await getObject(cluster, ref('a'));
    const same = await applyObject(cluster, { object: cm('a', { k: '1' }), before: live });
    expect(same.action).toBe('unchanged');

    const dry = await applyObject(cluster, { object: cm('a', { k: '2' }), dryRun: true, before: live });
    expect(dry.object.data).toEqual({ k: '2' });
    expect((await getObject(cluster, ref('a')))?.data).toEqual({ k: '1' });

    const changed = await applyObject(cluster, { object: cm('a', { k: '2' }), before: live });
    expect(changed.action).toBe('configured');
    expect((await getObject(cluster, ref('a')))?.data).toEqual({ k: '2' });
  });

  it('lists with a label selector and deletes by ref', async () => {
    await applyObject(cluster, {
      object: { ...cm('l1', {}), metadata: { name: 'l1', namespace: ns, labels: { pick: 'yes' } } },
    });
    await applyObject(cluster, {
      object: { ...cm('l2', {}), metadata: { name: 'l2', namespace: ns, labels: { pick: 'no' } } },
    });
    const list = await listObjects(cluster, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: 'pick=yes',
    });
    expect(list.items.map((o) => o.metadata.name)).toEqual(['l1']);
    expect(list.items[0]?.kind).toBe('ConfigMap');
    expect(list.resourceVersion).not.toBe('');
    expect(await deleteObject(cluster, { ref: ref('l1') })).toBe(true);
    expect(await deleteObject(cluster, { ref: ref('l1') })).toBe(false);
  });

  it('classifies an immutable-field rejection from the Status causes', async () => {
    const deploy = (app: string): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'imm', namespace: ns },
      spec: {
        selector: { matchLabels: { app } },
        template: {
          metadata: { labels: { app } },
          spec: { containers: [{ name: 'c', image: 'registry.invalid/x:1' }] },
        },
      },
    });
    await applyObject(cluster, { object: deploy('one') });
    const err = await applyObject(cluster, { object: deploy('two') }).catch((e: unknown) => e);
    const kube = kubeCause(err);
    expect(kube?.status).toBe(422);
    expect(kube?.immutable).toBe(true);
    expect((err as Error).message).toContain(`Deployment/${ns}/imm`);
  });

  it('names the kubeconfig and context when the context does not exist', async () => {
    const err = await connectCluster({ name: 'x', kubeconfig: env.kubeconfig, context: 'nope' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain('no context nope');
  });
});
