// A bundle that brings its own Namespace and CRD, against a real control
// plane: the definitions are applied and established first, then everything
// else is dry-run and applied, so the first deploy to a fresh cluster is
// healthy; a later broken version rolls back whole to it. A first release
// that fails removes what it brought except the Namespace and the CRD, which
// stay and are reported, unless the bundle's policy says prune.protected
// (and then only those the release created).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import type { StoredPolicy } from '../bundle/policy.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import type { KubeObject } from '../object/ref.ts';
import { openState, type StateDb } from '../state/open.ts';
import { releaseSteps } from '../state/releases.ts';
import { readInventory } from './inventory.ts';
import { releaseToCluster } from './release.ts';
import type { VersionContent } from '../bundle/version-content.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
let cluster: Cluster;
let db: StateDb;
const cleanup: string[][] = [];

beforeAll(async () => {
  cluster = await connectCluster({ name: 'c1', kubeconfig: env.kubeconfig, context: 'c1' });
  db = openState({ path: ':memory:' });
});
afterAll(async () => {
  closeCluster(cluster);
  for (const args of cleanup)
    await kubectlOn(env, c1, ['delete', ...args, '--ignore-not-found', '--wait=false']).catch(() => {});
});

/** A fresh application: its own Namespace, its own CRD (unique group) and a Widget of it, config, a Deployment. */
function app() {
  const ns = uniqueName('pay');
  const group = `${uniqueName('w')}.example.com`;
  const bundle = uniqueName('pay');
  cleanup.push(['namespace', ns], ['crd', `widgets.${group}`]);
  const crd: KubeObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
            },
          },
        },
      ],
    },
  };
  const widget = (size: number): KubeObject => ({
    apiVersion: `${group}/v1`,
    kind: 'Widget',
    metadata: { name: 'main', namespace: ns },
    spec: { size },
  });
  const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
  const config = (data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'pay', namespace: ns },
    data,
  });
  const deployment = ({ image, failing = false }: { image: string; failing?: boolean }): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'pay', namespace: ns },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 10,
      selector: { matchLabels: { app: 'pay' } },
      template: {
        metadata: {
          labels: { app: 'pay', ...(failing ? { 'pod-container-running-failed.stage.kwok.x-k8s.io': 'true' } : {}) },
        },
        spec: { containers: [{ name: 'pay', image, envFrom: [{ configMapRef: { name: 'pay' } }] }] },
      },
    },
  });
  const versions = new Map<string, VersionContent>();
  const version = (v: string, members: KubeObject[], policy?: StoredPolicy): VersionContent => {
    const content = {
      bundle,
      version: v,
      digest: `sha256:${v.replaceAll('.', '').padStart(64, 'd')}`,
      members,
      ...(policy ? { policy } : {}),
    };
    versions.set(content.digest, content);
    return content;
  };
  const release = (target: VersionContent) =>
    releaseToCluster({
      db,
      cluster,
      target,
      loadVersion: async ({ digest }) => versions.get(digest)!,
      timeoutMs: 60_000,
    });
  const k = (args: string[]) => kubectlOn(env, c1, args);
  const exists = async (args: string[]) =>
    (await k(['get', ...args, '--ignore-not-found', '-o', 'name'])).trim() !== '';
  return { ns, group, bundle, crd, widget, namespace, config, deployment, version, release, k, exists };
}

describe('a bundle with its own Namespace and CRD', () => {
  it('deploys healthy to a cluster that has neither, and a broken later version rolls back whole to it', async () => {
    const a = app();
    expect(await a.exists(['namespace', a.ns])).toBe(false);
    const v1 = a.version('1.0.0', [
      a.namespace,
      a.crd,
      a.widget(1),
      a.config({ MODE: 'one' }),
      a.deployment({ image: 'registry.invalid/pay:1' }),
    ]);
    const r1 = await a.release(v1);
    expect(r1.release.state).toBe('succeeded');
    expect(r1.plan).toMatchObject({ create: 5 });
    const steps = releaseSteps(db, r1.release.id);
    expect(steps.map((s) => s.state)).toEqual(['planned', 'applying', 'applying', 'verifying', 'succeeded']);
    expect(steps[1]!.message).toBe(
      `definitions first: CustomResourceDefinition/widgets.${a.group} (create), Namespace/${a.ns} (create)`,
    );
    expect((await a.k(['get', `widgets.${a.group}`, 'main', '-n', a.ns, '-o', 'jsonpath={.spec.size}'])).trim()).toBe(
      '1',
    );
    expect(
      (await a.k(['get', 'deployment', 'pay', '-n', a.ns, '-o', 'jsonpath={.status.availableReplicas}'])).trim(),
    ).toBe('1');

    // An unchanged re-release writes nothing, definitions included.
    const again = await a.release(v1);
    expect(again.release.state).toBe('succeeded');
    expect(again.written).toBe(0);

    const v2 = a.version('1.0.1', [
      a.namespace,
      a.crd,
      a.widget(2),
      a.config({ MODE: 'two' }),
      a.deployment({ image: 'registry.invalid/pay:2', failing: true }),
    ]);
    const r2 = await a.release(v2);
    expect(r2.release.state).toBe('rolled-back');
    expect(r2.release.failedObject).toBe(`Deployment/${a.ns}/pay`);
    expect((await a.k(['get', `widgets.${a.group}`, 'main', '-n', a.ns, '-o', 'jsonpath={.spec.size}'])).trim()).toBe(
      '1',
    );
    expect((await a.k(['get', 'configmap', 'pay', '-n', a.ns, '-o', 'jsonpath={.data.MODE}'])).trim()).toBe('one');
    expect(
      (
        await a.k(['get', 'deployment', 'pay', '-n', a.ns, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])
      ).trim(),
    ).toBe('registry.invalid/pay:1');
    expect((await readInventory(cluster, a.bundle)).current?.version).toBe('1.0.0');
  });

  it('a failed first release removes what it brought but keeps and reports its Namespace and CRD', async () => {
    const a = app();
    const v1 = a.version('1.0.0', [
      a.namespace,
      a.crd,
      a.widget(1),
      a.config({ MODE: 'one' }),
      a.deployment({ image: 'registry.invalid/pay:1', failing: true }),
    ]);
    const r = await a.release(v1);
    expect(r.release.state).toBe('rolled-back');
    expect(r.release.failedObject).toBe(`Deployment/${a.ns}/pay`);
    // The Widget, ConfigMap and Deployment were applied (the failure came at verification) and are gone.
    expect(await a.exists(['deployment', 'pay', '-n', a.ns])).toBe(false);
    expect(await a.exists(['configmap', 'pay', '-n', a.ns])).toBe(false);
    expect(await a.exists([`widgets.${a.group}`, 'main', '-n', a.ns])).toBe(false);
    expect(await a.exists(['namespace', a.ns])).toBe(true);
    expect(await a.exists(['crd', `widgets.${a.group}`])).toBe(true);
    const last = releaseSteps(db, r.release.id).at(-1)!;
    expect(last.state).toBe('rolled-back');
    expect(last.message).toMatch(/; kept /);
    expect(last.message).toContain(
      `CustomResourceDefinition/widgets.${a.group} (CustomResourceDefinition is protected from pruning`,
    );
    expect(last.message).toContain(`Namespace/${a.ns} (Namespace is protected from pruning`);
    expect((last.data as { kept: { ref: string }[] }).kept.map((x) => x.ref).sort()).toEqual([
      `CustomResourceDefinition/widgets.${a.group}`,
      `Namespace/${a.ns}`,
    ]);
    expect((await readInventory(cluster, a.bundle)).current).toBeNull();
  });

  it('with prune.protected, a first release whose Deployment the API server refuses removes its Namespace and CRD too', async () => {
    const a = app();
    // Refused by validation in phase 2's dry run, after phase 1 created the Namespace and the CRD: nothing else was written.
    const refused = { ...a.deployment({ image: 'registry.invalid/pay:1' }) };
    refused.spec = { ...(refused.spec as object), replicas: -1 };
    const v1 = a.version('1.0.0', [a.namespace, a.crd, a.widget(1), a.config({ MODE: 'one' }), refused], {
      prune: { protected: true },
    });
    const r = await a.release(v1);
    expect(r.release.state).toBe('rolled-back');
    expect(r.release.failedObject).toBe(`Deployment/${a.ns}/pay`);
    const failed = releaseSteps(db, r.release.id).find((s) => s.state === 'failed')!;
    expect(failed.message).toMatch(/dry run refused 1 object\(s\), nothing was applied: .*spec\.replicas/);
    expect(await a.exists(['crd', `widgets.${a.group}`])).toBe(false);
    // Deleting a Namespace takes its contents with it; it is gone once the namespace controller has emptied it.
    for (let i = 0; i < 120 && (await a.exists(['namespace', a.ns])); i++)
      await new Promise((res) => setTimeout(res, 500));
    expect(await a.exists(['namespace', a.ns])).toBe(false);
    const last = releaseSteps(db, r.release.id).at(-1)!;
    expect(last.state).toBe('rolled-back');
    expect((last.data as { deleted: string[]; kept: unknown[] }).deleted.sort()).toEqual([
      `CustomResourceDefinition/widgets.${a.group}`,
      `Namespace/${a.ns}`,
    ]);
    expect((last.data as { kept: unknown[] }).kept).toEqual([]);
  });

  it('a Namespace that existed before is refused before any write; adopted, a rollback under prune.protected gives it back as it was', async () => {
    const a = app();
    await a.k(['create', 'namespace', a.ns]);
    await a.k(['label', 'namespace', a.ns, 'team=someone-else']);
    await a.k(['create', 'configmap', 'foreign', '-n', a.ns, '--from-literal=owner=someone-else']);
    const uid = (await a.k(['get', 'namespace', a.ns, '-o', 'jsonpath={.metadata.uid}'])).trim();
    const members = [
      a.namespace,
      a.crd,
      a.widget(1),
      a.config({ MODE: 'one' }),
      a.deployment({ image: 'registry.invalid/pay:1', failing: true }),
    ];

    const refused = await a.release(a.version('1.0.0', members, { prune: { protected: true } }));
    expect(refused.release.state).toBe('rolled-back');
    expect(refused.release.reason).toBe('ForeignObject');
    expect(releaseSteps(db, refused.release.id).find((s) => s.state === 'failed')!.message).toContain(
      `Namespace/${a.ns} exists and is not owned by bundle ${a.bundle}; adopt it with spec.adopt`,
    );
    expect(await a.exists(['crd', `widgets.${a.group}`])).toBe(false);
    expect((await readInventory(cluster, a.bundle)).exists).toBe(false);

    const r = await a.release(
      a.version('1.0.1', members, { prune: { protected: true }, adopt: [{ kind: 'Namespace', name: a.ns }] }),
    );
    expect(r.release.state).toBe('rolled-back');
    expect(await a.exists(['crd', `widgets.${a.group}`])).toBe(false);
    expect(await a.exists(['configmap', 'foreign', '-n', a.ns])).toBe(true);
    const after = JSON.parse(
      await a.k(['get', 'namespace', a.ns, '-o', 'json', '--show-managed-fields']),
    ) as KubeObject;
    expect(after.metadata.uid).toBe(uid);
    expect(after.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': a.ns, team: 'someone-else' });
    expect(after.metadata.annotations?.['drover.dev/owner']).toBeUndefined();
    expect((after.metadata.managedFields as { manager: string }[]).map((m) => m.manager)).not.toContain(
      `drover/${a.bundle}`,
    );
    const last = releaseSteps(db, r.release.id).at(-1)!;
    expect((last.data as { restored: string[] }).restored).toEqual([`Namespace/${a.ns}`]);
    // Its prior state is not left behind in drover-system.
    expect(
      await a.k(['get', 'configmap', '-n', 'drover-system', '-l', `drover.dev/prior-of=${a.bundle}`, '-o', 'name']),
    ).toBe('');
  });
});
