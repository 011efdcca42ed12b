// A cluster whose inventory names a version this engine cannot load (another
// Drover, another registry) cannot be rolled back, so a release there stops
// before anything is applied, says why, and leaves the cluster as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import { NotFoundError } from '../errors/errors.ts';
import type { KubeObject } from '../object/ref.ts';
import { openState } from '../state/open.ts';
import { releaseSteps } from '../state/releases.ts';
import { readInventory } from './inventory.ts';
import { releaseToCluster } from './release.ts';
import type { VersionContent } from '../bundle/version-content.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
const ns = uniqueName('prev');
const bundle = uniqueName('prev');
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

const cm = (data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: ns },
  data,
});
const content = (version: string, data: Record<string, string>): VersionContent => ({
  bundle,
  version,
  digest: `sha256:${version.replaceAll('.', '').padStart(64, '0')}`,
  members: [cm(data)],
});

describe('a release over a version that cannot be loaded', () => {
  it('applies nothing and names the version and the inventory', async () => {
    const v1 = content('1.0.0', { a: '1' });
    const first = openState({ path: ':memory:' });
    expect(
      (await releaseToCluster({ db: first, cluster, target: v1, loadVersion: async () => v1 })).release.state,
    ).toBe('succeeded');

    // A second engine with its own registry, which has never seen 1.0.0.
    const db = openState({ path: ':memory:' });
    const v2 = content('2.0.0', { a: '2' });
    const r = await releaseToCluster({
      db,
      cluster,
      target: v2,
      loadVersion: async ({ digest }) => {
        throw new NotFoundError(`manifest ${digest} not found`);
      },
    });
    expect(r.release.state).toBe('rolled-back');
    expect(r.release.reason).toBe('PreviousVersionMissing');
    expect(r.written).toBe(0);
    const steps = releaseSteps(db, r.release.id);
    expect(steps.map((s) => s.state)).toEqual(['planned', 'failed', 'rolled-back']);
    expect(steps[1]!.message).toContain(`runs ${bundle}@1.0.0`);
    expect(steps[1]!.message).toContain(`ConfigMap/drover-system/inventory-${bundle}`);
    expect(steps[2]!.message).toBe(`nothing was applied; c1 still runs ${bundle}@1.0.0`);

    expect((await kubectlOn(env, c1, ['get', 'configmap', 'cfg', '-n', ns, '-o', 'jsonpath={.data.a}'])).trim()).toBe(
      '1',
    );
    const inv = await readInventory(cluster, bundle);
    expect(inv.current?.version).toBe('1.0.0');
    expect(inv.pending).toBeNull();
  });
});
