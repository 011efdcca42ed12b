// ClusterMonitor on a real cluster while another engine (its own journal, so
// no shared lease) releases a new version that changes an image, drops a
// ConfigMap key and an env var: the release's own writes are never drift
// (the inventory's pending release suspends judging, and what Drover wrote
// it owns), and afterwards the monitor judges against the new version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import type { KubeObject } from '../object/ref.ts';
import { withOwnership } from '../release/ownership.ts';
import { releaseToCluster } from '../release/release.ts';
import type { VersionContent } from '../bundle/version-content.ts';
import { openFindings } from '../state/drift.ts';
import { openState } from '../state/open.ts';
import type { Observation } from '../drift/observation.ts';
import { ClusterMonitor } from './cluster-monitor.ts';
import { recordObservation } from './record.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
const ns = uniqueName('mon');
const bundle = uniqueName('mon');
let cluster: Cluster;
let drop: () => Promise<void>;

beforeAll(async () => {
  drop = await createNamespace(env, ns, [c1]);
  cluster = await connectCluster({ name: 'c1', kubeconfig: env.kubeconfig, context: c1.context });
});
afterAll(async () => {
  closeCluster(cluster);
  await drop();
  await kubectlOn(env, c1, ['delete', 'configmap', `inventory-${bundle}`, '-n', 'drover-system', '--ignore-not-found']);
});

function version(
  v: string,
  { image, data, env: vars }: { image: string; data: Record<string, string>; env: { name: string; value: string }[] },
): VersionContent {
  const members: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: ns }, data },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image, env: vars }] } },
      },
    },
  ];
  return { bundle, version: v, digest: `sha256:${v.replaceAll('.', '').padStart(64, 'e')}`, members };
}
const v1 = version('1.0.0', {
  image: 'registry.invalid/web:1',
  data: { A: '1', B: '2' },
  env: [
    { name: 'X', value: '1' },
    { name: 'Y', value: '2' },
  ],
});
const v2 = version('2.0.0', { image: 'registry.invalid/web:2', data: { A: '1' }, env: [{ name: 'Y', value: '2' }] });
const byDigest = new Map([v1, v2].map((v) => [v.digest, v]));

async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ClusterMonitor during a release by another engine', () => {
  it('reports nothing while the release changes the members, then judges against the new version', async () => {
    const engine = openState({ path: ':memory:' });
    expect(
      (
        await releaseToCluster({
          db: engine,
          cluster,
          target: v1,
          loadVersion: async ({ digest }) => byDigest.get(digest)!,
          timeoutMs: 90_000,
        })
      ).release.state,
    ).toBe('succeeded');

    const db = openState({ path: ':memory:' });
    const seen: Observation[] = [];
    const monitor = new ClusterMonitor({
      cluster,
      tracks: (b) => b === bundle,
      loadDesired: async ({ digest }) =>
        byDigest.get(digest)!.members.map((m) => ({ object: withOwnership(m, bundle) })),
      onObservation: (o) => {
        seen.push(o);
        recordObservation({ db, observation: o });
      },
    });
    await monitor.start();
    try {
      expect(monitor.running()).toEqual([{ bundle, version: '1.0.0', digest: v1.digest, pending: false }]);
      const r = await releaseToCluster({
        db: engine,
        cluster,
        target: v2,
        loadVersion: async ({ digest }) => byDigest.get(digest)!,
        timeoutMs: 90_000,
      });
      expect(r.release.state).toBe('succeeded');
      await until(() => monitor.running()[0]?.version === '2.0.0', 'the monitor to follow the inventory');
      // Let every event of the release (and the Deployment's rollout) go past the monitor.
      await new Promise((r) => setTimeout(r, 5000));
      const drifted = seen.filter((o) => o.type === 'judged' && o.drift);
      expect(drifted).toEqual([]);
      expect(seen.some((o) => o.type === 'version' && o.version === '2.0.0')).toBe(true);

      // Against 2.0.0 now: putting the dropped key back out of band is not drift (Drover set nothing there), changing A is.
      await kubectlOn(env, c1, [
        'patch',
        'configmap',
        'cfg',
        '-n',
        ns,
        '--type=merge',
        '-p',
        '{"data":{"B":"2","A":"9"}}',
      ]);
      await until(() => openFindings(db).length > 0, 'the finding');
      expect(openFindings(db).map((f) => [f.version, f.ref, f.detectedBy, f.fields])).toEqual([
        [
          '2.0.0',
          `ConfigMap/${ns}/cfg`,
          'watch',
          [{ path: 'data.A', desired: '1', live: '9', managers: ['kubectl-patch'] }],
        ],
      ]);
    } finally {
      await monitor.stop();
    }
  });
});
