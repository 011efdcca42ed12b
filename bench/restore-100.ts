/**
 * Benchmark: how fast a failed release is undone. A 100-object bundle (35
 * ConfigMaps, 25 Secrets, 15 ServiceAccounts, 15 Services, 10 Deployments)
 * runs v1 healthy on 3 clusters; v2 changes every ConfigMap and pod template
 * and puts KWOK's failure label on the pods (CrashLoopBackOff), released with
 * `fanOut` as one wave of the 3 clusters. Measured from the release journal of
 * each cluster: detection (`failed` step) -> previous version restored and
 * healthy (`rolled-back` step), and for all clusters from the first
 * detection to the last restore. The restored state is checked (every
 * ConfigMap and pod template back at revision 1, the inventory on 1.0.0).
 * Target: <= 5 s after detection. Prints times; not a test.
 *
 * Run: DROVER_TEST_ENV=<dir> node bench/restore-100.ts [--objects 100] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { closeCluster, connectCluster, type Cluster } from '../lib/cluster/cluster.ts';
import { listObjects } from '../lib/cluster/get.ts';
import type { KubeObject } from '../lib/object/ref.ts';
import { fanOut } from '../lib/release/fanout.ts';
import { readInventory } from '../lib/release/inventory.ts';
import type { VersionContent } from '../lib/bundle/version-content.ts';
import type { DroverEvent } from '../lib/progress.ts';
import { openState } from '../lib/state/open.ts';
import { releaseSteps } from '../lib/state/releases.ts';
import { benchEnv, createNamespaces, dropNamespaces, generateObjects, median, versionOf } from './apply-fixture.ts';

const { values } = parseArgs({
  options: { objects: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' } },
});
const COUNT = Number(values.objects);
const ROUNDS = Number(values.rounds);

const { env, stop } = await benchEnv({ clusters: 3 });
if (env.clusters.length < 3)
  throw new Error(`the environment has ${env.clusters.length} cluster(s); this benchmark needs 3`);
const infos = env.clusters.slice(0, 3);
const clusters = new Map<string, Cluster>();
for (const c of infos)
  clusters.set(c.name, await connectCluster({ name: c.name, kubeconfig: env.kubeconfig, context: c.context }));
const namespaces: string[] = [];
const at = (iso: string) => Date.parse(iso);

const restorePerCluster: Record<string, number[]> = {};
const restoreAll: number[] = [];
const restoreSlowest: number[] = [];
const detect: number[] = [];
const restoreApply: number[] = [];
const restoreVerify: number[] = [];
const restorePolls: number[] = [];

/** True when every ConfigMap and pod template in `ns` is back at revision 1. */
async function onRevision1(cluster: Cluster, ns: string): Promise<boolean> {
  const cms = await listObjects(cluster, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: ns,
    labelSelector: 'drover.dev/bundle',
  });
  const deps = await listObjects(cluster, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns });
  const tpl = (d: KubeObject) =>
    (d.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations?.[
      'bench.drover.dev/revision'
    ];
  return (
    cms.items.every((c) => (c.data as Record<string, string>).revision === '1') &&
    deps.items.every((d) => tpl(d) === '1')
  );
}

try {
  for (const c of clusters.values())
    await listObjects(c, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' }); // warm discovery and connections
  for (let r = 0; r < ROUNDS; r++) {
    const ns = `bench-restore-${process.pid}-${r}`;
    namespaces.push(ns);
    await createNamespaces(env, infos, ns);
    const bundle = `restore-${process.pid}-${r}`;
    const v1 = versionOf(bundle, '1.0.0', generateObjects({ namespace: ns, count: COUNT, revision: 1 }));
    const v2 = versionOf(bundle, '1.0.1', generateObjects({ namespace: ns, count: COUNT, revision: 2, failing: true }));
    const byDigest = new Map<string, VersionContent>([v1, v2].map((v) => [v.digest, v]));
    const db = openState({ path: ':memory:' });
    const waves = [{ clusters: infos.map((c) => c.name), concurrency: 3 }];
    const loadVersion = async ({ digest }: { digest: string }) => byDigest.get(digest)!;
    const first = await fanOut({ db, clusters, waves, target: v1, loadVersion, timeoutMs: 600_000 });
    if (!first.ok) throw new Error(`v1 did not roll out: ${JSON.stringify(first.clusters)}`);

    const events: { at: number; cluster: string; phase: string }[] = [];
    const onEvent = (e: DroverEvent) => events.push({ at: Date.now(), cluster: e.subject ?? '', phase: e.phase });
    const second = await fanOut({ db, clusters, waves, target: v2, loadVersion, timeoutMs: 600_000, onEvent });
    if (second.clusters.some((c) => c.state !== 'rolled-back'))
      throw new Error(`expected every cluster rolled back: ${JSON.stringify(second.clusters)}`);
    const failedAt: number[] = [];
    const restoredAt: number[] = [];
    for (const c of second.clusters) {
      const steps = releaseSteps(db, c.releaseId!);
      const step = (s: string) => at(steps.find((x) => x.state === s)!.at);
      failedAt.push(step('failed'));
      restoredAt.push(step('rolled-back'));
      (restorePerCluster[c.cluster] ??= []).push(step('rolled-back') - step('failed'));
      detect.push(step('failed') - step('verifying'));
      // The restore's own events: applies after the failure, then health polls until the rolled-back step.
      const mine = events.filter(
        (e) => e.cluster === c.cluster && e.at >= step('failed') && e.at <= step('rolled-back'),
      );
      const lastApply = Math.max(step('failed'), ...mine.filter((e) => e.phase === 'apply').map((e) => e.at));
      restoreApply.push(lastApply - step('failed'));
      restoreVerify.push(step('rolled-back') - lastApply);
      restorePolls.push(mine.filter((e) => e.phase === 'verify').length);
      const cluster = clusters.get(c.cluster)!;
      if ((await readInventory(cluster, bundle)).current?.version !== '1.0.0' || !(await onRevision1(cluster, ns)))
        throw new Error(`${c.cluster}: not back on 1.0.0`);
    }
    restoreAll.push(Math.max(...restoredAt) - Math.min(...failedAt));
    restoreSlowest.push(Math.max(...restoredAt.map((t, i) => t - failedAt[i]!)));
    db.close();
    await dropNamespaces(env, infos, ns, { wait: true });
  }
  const fmt = (xs: number[]) =>
    `${median(xs).toFixed(0).padStart(6)} ms   (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
  process.stdout.write(
    [
      `failed release -> previous version restored and healthy, ${COUNT}-object bundle, one wave of ${infos.length} clusters (median of ${ROUNDS})`,
      ...Object.entries(restorePerCluster).map(([c, xs]) => `  ${c}: detection -> restored   ${fmt(xs)}`),
      `  slowest cluster, own detection -> restored      ${fmt(restoreSlowest)}`,
      `  all clusters: first detection -> last restored ${fmt(restoreAll)}  (includes the other clusters' later detection)`,
      `  restore phases (median of all clusters): re-apply + prune ${median(restoreApply).toFixed(0)} ms, verify ${median(restoreVerify).toFixed(0)} ms in ${median(restorePolls)} health poll(s)`,
      `  target: <= 5000 ms after detection`,
      `for context: v2 applied -> failure detected (verify, fail-fast on CrashLoopBackOff) ${fmt(detect)}`,
      '',
    ].join('\n'),
  );
} finally {
  for (const c of clusters.values()) closeCluster(c);
  await Promise.allSettled(namespaces.map((ns) => dropNamespaces(env, infos, ns)));
  await stop();
}
