/**
 * Benchmark: one bundle version released to 3 clusters at once (`fanOut`,
 * one wave of c1, c2, c3 with concurrency 3) vs to 1 cluster (a wave of c1),
 * each time into fresh namespaces, until every cluster is healthy. Rounds
 * alternate which arm goes first. Target: 3 clusters <= 1.3x one cluster.
 * All clusters of the test environment share one etcd and the machine's
 * cores, so the 3-cluster arm also does three times the API-server work on
 * the same CPUs; the per-cluster times show where it went. The peer makes
 * that visible: the same files applied with `kubectl apply --server-side`
 * and waited for (`kubectl wait --for=condition=Available`) on 1 cluster and
 * on 3 in parallel, whose 3-vs-1 ratio is what the shared machine itself
 * costs; the control plane's CPU share during each arm is printed too.
 * Prints times and ratios; not a test.
 *
 * Run: DROVER_TEST_ENV=<dir> node bench/fanout-3v1.ts [--objects 100] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { closeCluster, connectCluster, type Cluster } from '../lib/cluster/cluster.ts';
import { listObjects } from '../lib/cluster/get.ts';
import { fanOut } from '../lib/release/fanout.ts';
import { openState } from '../lib/state/open.ts';
import { releaseSteps } from '../lib/state/releases.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  benchEnv,
  createNamespaces,
  dropNamespaces,
  generateObjects,
  kubectl,
  median,
  sampleControlPlaneCpu,
  shareOfCores,
  versionOf,
  writeObjects,
} from './apply-fixture.ts';

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
const times: Record<'1' | '3', number[]> = { '1': [], '3': [] };
const kubectlTimes: Record<'1' | '3', number[]> = { '1': [], '3': [] };
/** Control plane CPU share of the machine's cores during each arm. */
const serverShare: Record<string, { cpu: number[]; wall: number[] }> = {};
const cpuSampler = sampleControlPlaneCpu(env);
const files = mkdtempSync(join(tmpdir(), 'drover-bench-fanout-'));
const addShare = (k: string, from: number, to = Date.now()) => {
  const row = (serverShare[k] ??= { cpu: [], wall: [] });
  row.cpu.push(cpuSampler.between(from, to));
  row.wall.push(to - from);
};
/** Drover's own CPU time during each arm: the API servers, not Drover, should be what the machine is busy with. */
const cpu: Record<'1' | '3', number[]> = { '1': [], '3': [] };
const perCluster: Record<string, { plan: number[]; apply: number[]; verify: number[] }> = {};
const ms = (a: string, b: string) => Date.parse(b) - Date.parse(a);

async function arm(n: 1 | 3, round: number): Promise<void> {
  const targets = infos.slice(0, n);
  const ns = `bench-fan${n}-${process.pid}-${round}`;
  namespaces.push(ns);
  await createNamespaces(env, targets, ns);
  const db = openState({ path: ':memory:' });
  const target = versionOf(
    `fan${n}-${process.pid}-${round}`,
    '1.0.0',
    generateObjects({ namespace: ns, count: COUNT }),
  );
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const wall0 = Date.now();
  const r = await fanOut({
    db,
    clusters,
    waves: [{ clusters: targets.map((c) => c.name), concurrency: n }],
    target,
    loadVersion: async () => target,
    timeoutMs: 600_000,
  });
  times[String(n) as '1' | '3'].push(performance.now() - t);
  addShare(`drover, ${n} cluster(s)`, wall0);
  const used = process.cpuUsage(cpu0);
  cpu[String(n) as '1' | '3'].push((used.user + used.system) / 1000);
  if (!r.ok) throw new Error(`fan-out to ${n} cluster(s) failed: ${JSON.stringify(r.clusters)}`);
  const window = { from: Infinity, to: 0 };
  for (const c of r.clusters) {
    const steps = releaseSteps(db, c.releaseId!);
    const at = (s: string) => steps.find((x) => x.state === s)!.at;
    window.from = Math.min(window.from, Date.parse(at('planned')));
    window.to = Math.max(window.to, Date.parse(at('verifying')));
    const row = (perCluster[`${n} clusters: ${c.cluster}`] ??= { plan: [], apply: [], verify: [] });
    row.plan.push(ms(at('planned'), at('applying')));
    row.apply.push(ms(at('applying'), at('verifying')));
    row.verify.push(ms(at('verifying'), at('succeeded')));
  }
  // Plan and apply of every cluster, the part that is API-server work rather than waiting on controllers.
  addShare(`drover plan + apply, ${n}`, window.from, window.to);
  db.close();
  await dropNamespaces(env, targets, ns, { wait: true });
}

/** The peer: the same objects applied by kubectl to each target cluster in parallel, then waited for until every Deployment is Available. */
async function kubectlArm(n: 1 | 3, round: number): Promise<void> {
  const targets = infos.slice(0, n);
  const ns = `bench-kfan${n}-${process.pid}-${round}`;
  namespaces.push(ns);
  await createNamespaces(env, targets, ns);
  const dir = join(files, ns);
  writeObjects(dir, generateObjects({ namespace: ns, count: COUNT }));
  const t = performance.now();
  const wall0 = Date.now();
  await Promise.all(
    targets.map(async (c) => {
      await kubectl(env, c, ['apply', '--server-side', '-f', dir]);
      await kubectl(env, c, ['wait', '--for=condition=Available', 'deployments', '--all', '-n', ns, '--timeout=600s']);
    }),
  );
  kubectlTimes[String(n) as '1' | '3'].push(performance.now() - t);
  addShare(`kubectl, ${n} cluster(s)`, wall0);
  await dropNamespaces(env, targets, ns, { wait: true });
}

try {
  for (const c of clusters.values())
    await listObjects(c, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' }); // warm discovery and connections
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      await arm(1, r);
      await arm(3, r);
      await kubectlArm(1, r);
      await kubectlArm(3, r);
    } else {
      await kubectlArm(3, r);
      await kubectlArm(1, r);
      await arm(3, r);
      await arm(1, r);
    }
  }
  const one = median(times['1']);
  const three = median(times['3']);
  process.stdout.write(
    [
      `release of a ${COUNT}-object bundle until healthy: 3 clusters (one wave, concurrency 3) vs 1 cluster (median of ${ROUNDS})`,
      `  1 cluster:   ${one.toFixed(0).padStart(7)} ms   (runs: ${times['1'].map((x) => x.toFixed(0)).join(', ')})`,
      `  3 clusters:  ${three.toFixed(0).padStart(7)} ms   (runs: ${times['3'].map((x) => x.toFixed(0)).join(', ')})`,
      `  ratio:       ${(three / one).toFixed(2)}x (target <= 1.3x)`,
      `peer: kubectl apply --server-side + kubectl wait Available, in parallel per cluster`,
      `  1 cluster:   ${median(kubectlTimes['1']).toFixed(0).padStart(7)} ms   (runs: ${kubectlTimes['1'].map((x) => x.toFixed(0)).join(', ')})`,
      `  3 clusters:  ${median(kubectlTimes['3']).toFixed(0).padStart(7)} ms   (runs: ${kubectlTimes['3'].map((x) => x.toFixed(0)).join(', ')})`,
      `  ratio:       ${(median(kubectlTimes['3']) / median(kubectlTimes['1'])).toFixed(2)}x (what 3 clusters on this machine's shared cores cost kubectl)`,
      `  drover / kubectl: ${(one / median(kubectlTimes['1'])).toFixed(2)}x on 1 cluster, ${(three / median(kubectlTimes['3'])).toFixed(2)}x on 3`,
      `control plane CPU (etcd, apiservers, controllers, kwok) during each arm, median:`,
      ...Object.entries(serverShare).map(
        ([k, v]) =>
          `  ${k.padEnd(22)} ${median(v.cpu).toFixed(0).padStart(6)} ms CPU over ${median(v.wall).toFixed(0)} ms: ${shareOfCores(median(v.cpu), median(v.wall))}`,
      ),
      `  Drover process CPU: ${median(cpu['1']).toFixed(0)} ms (1 cluster), ${median(cpu['3']).toFixed(0)} ms (3 clusters)`,
      `per cluster, from the release journal (median ms): plan / apply / verify`,
      ...Object.entries(perCluster).map(
        ([k, v]) =>
          `  ${k.padEnd(22)} ${median(v.plan).toFixed(0).padStart(6)} / ${median(v.apply).toFixed(0).padStart(6)} / ${median(v.verify).toFixed(0).padStart(6)}`,
      ),
      '',
    ].join('\n'),
  );
} finally {
  cpuSampler.stop();
  rmSync(files, { recursive: true, force: true });
  for (const c of clusters.values()) closeCluster(c);
  await Promise.allSettled(namespaces.map((ns) => dropNamespaces(env, infos, ns)));
  await stop();
}
