/**
 * Benchmark: apply 1,000 objects (ConfigMaps, Secrets, ServiceAccounts,
 * Services, Deployments in one namespace) to one real cluster with Drover's
 * release engine (`releaseToCluster`: read live state, dry-run every object,
 * staged server-side apply, health verification) vs `kubectl apply
 * --server-side` on the same files. Each arm gets a fresh namespace. Then the
 * same objects again: Drover must write nothing (counted by the client's
 * stats and proved by unchanged resourceVersions), kubectl sends its PATCHes
 * anyway. The engine's own phases come from the release journal:
 * plan (live read + dry run), apply, verify. Target: apply <= 0.1x kubectl.
 * The control plane's CPU during each step is printed beside it: Drover
 * sends a dry run and a write per new object where kubectl sends one write,
 * so where the servers already fill the machine's cores during the writes,
 * the writes alone bound the ratio from below, whatever the client does.
 * Prints times and ratios; not a test.
 *
 * Run: DROVER_TEST_ENV=<dir> node bench/apply-1000.ts [--objects 1000] [--rounds 1] [--concurrency N] [--qps N --burst N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { closeCluster, connectCluster, type Cluster } from '../lib/cluster/cluster.ts';
import { listObjects } from '../lib/cluster/get.ts';
import { releaseToCluster } from '../lib/release/release.ts';
import { openState } from '../lib/state/open.ts';
import { releaseSteps } from '../lib/state/releases.ts';
import {
  benchEnv,
  createNamespaces,
  dropNamespaces,
  generateObjects,
  kubectl,
  kubectlRequests,
  median,
  readObjects,
  sampleControlPlaneCpu,
  shareOfCores,
  snapshot,
  statsDelta,
  versionOf,
  writeObjects,
} from './apply-fixture.ts';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '1' },
    concurrency: { type: 'string' },
    qps: { type: 'string' },
    burst: { type: 'string' },
  },
});
const COUNT = Number(values.objects);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = values.concurrency ? Number(values.concurrency) : undefined;
const KINDS = [
  ['v1', 'ConfigMap'],
  ['v1', 'Secret'],
  ['v1', 'ServiceAccount'],
  ['v1', 'Service'],
  ['apps/v1', 'Deployment'],
] as const;

const { env, stop } = await benchEnv({ clusters: 1 });
const info = env.clusters[0]!;
const dir = mkdtempSync(join(tmpdir(), 'drover-bench-apply-'));
const cluster: Cluster = await connectCluster({
  name: info.name,
  kubeconfig: env.kubeconfig,
  context: info.context,
  ...(values.qps ? { qps: Number(values.qps) } : {}),
  ...(values.burst ? { burst: Number(values.burst) } : {}),
});
const namespaces: string[] = [];
const since = (t: number) => performance.now() - t;
const ms = (a: string, b: string) => Date.parse(b) - Date.parse(a);

/** resourceVersion of every object of the bundle's kinds in `ns`, by kind/name. */
async function versionsIn(ns: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [apiVersion, kind] of KINDS) {
    for (const o of (await listObjects(cluster, { apiVersion, kind, namespace: ns })).items)
      out.set(`${kind}/${o.metadata.name}`, String(o.metadata.resourceVersion));
  }
  return out;
}
const changedBetween = (a: Map<string, string>, b: Map<string, string>) =>
  [...a].filter(([k, v]) => b.get(k) !== v).length;

const rows: Record<string, number[]> = {};
/** The control plane's CPU during each measured step, and that step's wall time: the servers' share of the cores says who was the bound. */
const serverCpu: Record<string, { cpu: number[]; wall: number[] }> = {};
const addServer = (k: string, fromMs: number, toMs: number) => {
  const row = (serverCpu[k] ??= { cpu: [], wall: [] });
  row.cpu.push(cpuSampler.between(fromMs, toMs));
  row.wall.push(toMs - fromMs);
};
const cpuSampler = sampleControlPlaneCpu(env);
const add = (k: string, v: number) => (rows[k] ??= []).push(v);
let drReapply = { requests: 0, writes: 0, dryRuns: 0, byMethod: {} as Record<string, number> };
let drChanged = -1;
let drWritten = -1;
let kcReapply: Record<string, number> = {};
let kcChanged = -1;

try {
  await listObjects(cluster, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' }); // warm discovery and the connection, as a running engine has them
  for (let r = 0; r < ROUNDS; r++) {
    const stamp = `${process.pid}-${r}`;
    // kubectl: first apply, apply + wait until Deployments are Available, unchanged re-apply.
    const kns = `bench-kc-${stamp}`;
    namespaces.push(kns);
    await createNamespaces(env, [info], kns);
    const kdir = join(dir, `kubectl-${r}`);
    writeObjects(kdir, generateObjects({ namespace: kns, count: COUNT }));
    let t = performance.now();
    const k0 = Date.now();
    await kubectl(env, info, ['apply', '--server-side', '-f', kdir]);
    add('kubectl apply', since(t));
    addServer('kubectl apply', k0, Date.now());
    await kubectl(env, info, [
      'wait',
      '--for=condition=Available',
      'deployments',
      '--all',
      '-n',
      kns,
      '--timeout=600s',
    ]);
    add('kubectl apply + wait Available', since(t));
    const kBefore = await versionsIn(kns);
    t = performance.now();
    await kubectl(env, info, ['apply', '--server-side', '-f', kdir]);
    add('kubectl re-apply (unchanged)', since(t));
    kcChanged = changedBetween(kBefore, await versionsIn(kns));
    kcReapply = kubectlRequests((await kubectl(env, info, ['apply', '--server-side', '-f', kdir, '-v=6'])).stderr);
    await dropNamespaces(env, [info], kns, { wait: true });

    // Drover: the same files (in its own namespace), parsed inside the timed section.
    const dns = `bench-dr-${stamp}`;
    namespaces.push(dns);
    await createNamespaces(env, [info], dns);
    const ddir = join(dir, `drover-${r}`);
    writeObjects(ddir, generateObjects({ namespace: dns, count: COUNT }));
    const db = openState({ path: ':memory:' });
    const bundle = `bench-${stamp}`;
    const cpu = process.cpuUsage();
    t = performance.now();
    const target = versionOf(bundle, '1.0.0', readObjects(ddir));
    const loadVersion = async () => target;
    const res = await releaseToCluster({
      db,
      cluster,
      target,
      loadVersion,
      timeoutMs: 600_000,
      ...(CONCURRENCY ? { concurrency: CONCURRENCY } : {}),
    });
    const total = since(t);
    const used = process.cpuUsage(cpu);
    add('drover process CPU (user+system)', (used.user + used.system) / 1000);
    if (res.release.state !== 'succeeded')
      throw new Error(`drover release ended ${res.release.state}: ${res.release.reason}`);
    const steps = releaseSteps(db, res.release.id);
    const at = (s: string) => steps.find((x) => x.state === s)!.at;
    add('drover plan (live read + dry run)', ms(at('planned'), at('applying')));
    add('drover writes (apply step)', ms(at('applying'), at('verifying')));
    add('drover apply (plan + apply)', ms(at('planned'), at('verifying')));
    addServer('drover plan (live read + dry run)', Date.parse(at('planned')), Date.parse(at('applying')));
    addServer('drover writes (apply step)', Date.parse(at('applying')), Date.parse(at('verifying')));
    add('drover whole release (+ verify)', total);

    const dBefore = await versionsIn(dns);
    const s0 = snapshot(cluster.client.stats);
    t = performance.now();
    const again = await releaseToCluster({
      db,
      cluster,
      target: versionOf(bundle, '1.0.0', readObjects(ddir)),
      loadVersion,
      timeoutMs: 600_000,
      ...(CONCURRENCY ? { concurrency: CONCURRENCY } : {}),
    });
    add('drover re-release (unchanged)', since(t));
    drReapply = statsDelta(s0, cluster.client.stats);
    drWritten = again.written;
    drChanged = changedBetween(dBefore, await versionsIn(dns));
    db.close();
    await dropNamespaces(env, [info], dns, { wait: true });
  }

  const m = (k: string) => median(rows[k]!);
  const line = (k: string) => `  ${k.padEnd(36)} ${m(k).toFixed(0).padStart(7)} ms`;
  const kc = m('kubectl apply');
  process.stdout.write(
    [
      `apply ${COUNT} objects to ${info.name} (median of ${ROUNDS}; drover concurrency ${CONCURRENCY ?? 'default'})`,
      ...Object.keys(rows).map(line),
      `  ratio drover apply / kubectl apply:          ${(m('drover apply (plan + apply)') / kc).toFixed(2)}x (target <= 0.1x)`,
      `    of which dry runs (plan) ${(m('drover plan (live read + dry run)') / kc).toFixed(2)}x, writes ${(m('drover writes (apply step)') / kc).toFixed(2)}x`,
      `  ratio drover whole release / kubectl apply:  ${(m('drover whole release (+ verify)') / kc).toFixed(2)}x`,
      `  ratio drover whole release / kubectl apply+wait: ${(m('drover whole release (+ verify)') / m('kubectl apply + wait Available')).toFixed(2)}x`,
      `  ratio drover re-release / kubectl re-apply:  ${(m('drover re-release (unchanged)') / m('kubectl re-apply (unchanged)')).toFixed(2)}x`,
      `control plane CPU (etcd, apiservers, controllers, kwok) during each step, median:`,
      ...Object.entries(serverCpu).map(
        ([k, v]) =>
          `  ${k.padEnd(36)} ${median(v.cpu).toFixed(0).padStart(7)} ms CPU over ${median(v.wall).toFixed(0)} ms: ${shareOfCores(median(v.cpu), median(v.wall))}`,
      ),
      `unchanged again:`,
      `  drover:  ${drWritten} members written, ${drReapply.writes} write requests, ${drReapply.dryRuns} dry runs, ${drReapply.requests} requests ${JSON.stringify(drReapply.byMethod)}; ${drChanged} of ${COUNT} objects changed resourceVersion`,
      `  kubectl: ${JSON.stringify(kcReapply)}; ${kcChanged} of ${COUNT} objects changed resourceVersion`,
      '',
    ].join('\n'),
  );
} finally {
  cpuSampler.stop();
  closeCluster(cluster);
  await Promise.allSettled(namespaces.map((ns) => dropNamespaces(env, [info], ns)));
  rmSync(dir, { recursive: true, force: true });
  await stop();
}
