/**
 * Benchmark: drift detection on 3 real clusters with 1,000 managed objects
 * each (ConfigMaps, Secrets, Services of one bundle, released by the release
 * engine). The monitor (one watch per type per cluster plus the inventory
 * watch, findings written to a SQLite file) is started, left idle (its CPU,
 * memory and every request it sends are measured: at rest it must send none),
 * then 50 out-of-band merge patches by another field manager are made one at
 * a time across the clusters and the time from the patch's acknowledgement to
 * the recorded finding is taken, p50 and p95. The peer is `kubectl get
 * --watch` on the same namespace, timed on the same patches: the time a plain
 * watch needs to see the change at all. Target: p50 <= 1 s. Not a test.
 *
 * Run: DROVER_TEST_ENV=<dir> node --expose-gc bench/drift-latency.ts [--objects 1000] [--patches 50] [--idle 20] [--confirm-ms 150]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readEnv, startEnv, stopEnv, type TestEnv } from '../fixtures/testenv/env.ts';
import type { ClusterInfo } from '../fixtures/testenv/kube.ts';
import { type Cluster, closeCluster, connectCluster } from '../lib/cluster/cluster.ts';
import { ClusterMonitor } from '../lib/monitor/cluster-monitor.ts';
import { recordObservation } from '../lib/monitor/record.ts';
import type { KubeObject } from '../lib/object/ref.ts';
import { withOwnership } from '../lib/release/ownership.ts';
import type { VersionContent } from '../lib/bundle/version-content.ts';
import { releaseToCluster } from '../lib/release/release.ts';
import { openState } from '../lib/state/open.ts';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '1000' },
    patches: { type: 'string', default: '50' },
    idle: { type: 'string', default: '20' },
    'confirm-ms': { type: 'string', default: '150' },
  },
});
const OBJECTS = Number(values.objects);
const PATCHES = Number(values.patches);
const IDLE_S = Number(values.idle);
const CONFIRM_MS = Number(values['confirm-ms']);

const shared = process.env.DROVER_TEST_ENV;
const env: TestEnv = shared ? readEnv(shared) : await startEnv({ clusters: 3 });
const id = randomBytes(3).toString('hex');
const ns = `bench-drift-${id}`;
const bundle = `bench-drift-${id}`;
const dir = mkdtempSync(join(tmpdir(), 'drover-bench-drift-'));
const db = openState({ path: join(dir, 'state.db') });
const log = (s: string) => process.stderr.write(`${s}\n`);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

function members(): KubeObject[] {
  const out: KubeObject[] = [];
  const services = Math.max(1, Math.floor(OBJECTS * 0.03));
  const secrets = Math.max(1, Math.floor(OBJECTS * 0.03));
  for (let i = 0; i < services; i++)
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${i}`, namespace: ns },
      spec: { selector: { app: `app-${i}` }, ports: [{ port: 80, targetPort: 8080 }] },
    });
  for (let i = 0; i < secrets; i++)
    out.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `sec-${i}`, namespace: ns },
      type: 'Opaque',
      data: { token: Buffer.from(`t-${i}`).toString('base64') },
    });
  for (let i = out.length; i < OBJECTS; i++)
    out.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, namespace: ns },
      data: { index: String(i), payload: 'x'.repeat(256) },
    });
  return out;
}

async function kubectl(c: ClusterInfo, args: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const p = spawn(env.bin, ['kubectl', `--kubeconfig=${c.kubeconfig}`, ...args], { stdio: 'ignore' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl ${args.join(' ')} exited ${code}`))));
  });
}

const content: VersionContent = { bundle, version: '1.0.0', digest: `sha256:${'d'.repeat(64)}`, members: members() };
const clusters: Cluster[] = [];
const patchers: Cluster[] = [];
const peers: ChildProcess[] = [];
const monitors: ClusterMonitor[] = [];
try {
  for (const c of env.clusters) await kubectl(c, ['create', 'namespace', ns]);
  for (const c of env.clusters) {
    clusters.push(await connectCluster({ name: c.name, kubeconfig: env.kubeconfig, context: c.context }));
    patchers.push(await connectCluster({ name: c.name, kubeconfig: env.kubeconfig, context: c.context }));
  }
  let t = performance.now();
  const rels = await Promise.all(
    clusters.map((cluster) => releaseToCluster({ db, cluster, target: content, loadVersion: async () => content })),
  );
  for (const r of rels)
    if (r.release.state !== 'succeeded')
      throw new Error(`release to ${r.release.cluster}: ${r.release.state} ${r.release.reason}`);
  log(
    `released ${OBJECTS} objects to each of ${clusters.length} clusters in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  // The monitor: one ClusterMonitor per cluster, findings recorded in SQLite.
  const desired = content.members.map((m) => ({ object: withOwnership(m, bundle) }));
  const found = new Map<string, number>();
  gc();
  const heapBefore = process.memoryUsage();
  t = performance.now();
  for (const cluster of clusters) {
    monitors.push(
      new ClusterMonitor({
        cluster,
        tracks: (b) => b === bundle,
        loadDesired: async () => desired,
        confirmMs: CONFIRM_MS,
        onObservation: (o) => {
          for (const ch of recordObservation({ db, observation: o }))
            if (ch.change === 'opened') found.set(`${ch.finding.cluster}/${ch.finding.ref}`, performance.now());
        },
        onEvent: (e) => log(`${e.level ?? 'info'}: ${e.subject ?? ''} ${e.message}`),
      }),
    );
  }
  await Promise.all(monitors.map((m) => m.start()));
  const startMs = performance.now() - t;
  const initialFindings = found.size;
  const judgedAtStart = monitors.reduce((n, m) => n + m.stats.judged, 0);
  const startWatches = monitors.map((m) => m.watchStats());

  // The peer: kubectl get --watch on each cluster's namespace, printing a line per change.
  const peerSeen = new Map<string, number>();
  for (const c of env.clusters) {
    const p = spawn(
      env.bin,
      ['kubectl', `--kubeconfig=${c.kubeconfig}`, 'get', 'configmaps', '-n', ns, '--watch-only', '-o', 'name'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let buf = '';
    p.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const name = buf
          .slice(0, nl)
          .trim()
          .replace(/^configmap\//, '');
        buf = buf.slice(nl + 1);
        if (!peerSeen.has(`${c.name}/${name}`)) peerSeen.set(`${c.name}/${name}`, performance.now());
      }
    });
    peers.push(p);
  }
  await new Promise((r) => setTimeout(r, 3000)); // let kubectl connect

  // At rest: CPU, memory and requests of the monitor over the idle window.
  gc();
  const req0 = clusters.map((c) => ({ ...c.client.stats, byMethod: { ...c.client.stats.byMethod } }));
  const cpu0 = process.cpuUsage();
  const idleStart = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  const cpu = process.cpuUsage(cpu0);
  const idleMs = performance.now() - idleStart;
  gc();
  const heapIdle = process.memoryUsage();
  const idleRequests = clusters.reduce((n, c, i) => n + c.client.stats.requests - req0[i]!.requests, 0);

  // 50 out-of-band patches by another field manager, one at a time, round robin over the clusters.
  const cms = content.members.filter((m) => m.kind === 'ConfigMap');
  const drover: number[] = [];
  const droverFromSend: number[] = [];
  const peer: number[] = [];
  const reqBefore = clusters.reduce((n, c) => n + c.client.stats.requests, 0);
  const getsBefore = clusters.reduce((n, c) => n + (c.client.stats.byMethod.GET ?? 0), 0);
  for (let i = 0; i < PATCHES; i++) {
    const ci = i % clusters.length;
    const cm = cms[(i * 7919) % cms.length]!;
    const key = `${clusters[ci]!.name}/ConfigMap/${ns}/${cm.metadata.name}`;
    const peerKey = `${clusters[ci]!.name}/${cm.metadata.name}`;
    peerSeen.delete(peerKey);
    const sent = performance.now();
    await patchers[ci]!.client.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/${cm.metadata.name}`,
      query: { fieldManager: 'bench-out-of-band' },
      contentType: 'application/merge-patch+json',
      body: { data: { index: `changed-${i}` } },
    });
    const acked = performance.now();
    const deadline = acked + 30_000;
    while ((!found.has(key) || !peerSeen.has(peerKey)) && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 2));
    if (!found.has(key)) throw new Error(`no finding for ${key} within 30 s`);
    drover.push(found.get(key)! - acked);
    droverFromSend.push(found.get(key)! - sent);
    if (peerSeen.has(peerKey)) peer.push(peerSeen.get(peerKey)! - acked);
  }
  const patchRequests = clusters.reduce((n, c) => n + c.client.stats.requests, 0) - reqBefore;
  const patchGets = clusters.reduce((n, c) => n + (c.client.stats.byMethod.GET ?? 0), 0) - getsBefore;
  const reconnects =
    monitors.reduce((n, m) => n + m.watchStats().watches, 0) - startWatches.reduce((n, w) => n + w.watches, 0);

  const lines = [
    `drift detection: ${OBJECTS} managed objects on each of ${clusters.length} clusters (${[...new Set(content.members.map((m) => m.kind))].join(', ')}), confirm ${CONFIRM_MS} ms`,
    `  monitor start (watches per cluster incl. inventory: ${startWatches.map((w) => w.watches).join('/')}, ${startWatches.reduce((n, w) => n + w.lists, 0)} LISTs, ${judgedAtStart} members judged): ${startMs.toFixed(0)} ms; findings right after deploy: ${initialFindings}`,
    `  at rest over ${(idleMs / 1000).toFixed(0)} s: ${idleRequests} requests (target 0), CPU ${((100 * (cpu.user + cpu.system)) / 1000 / idleMs).toFixed(2)}% of one core`,
    `  memory: heap ${mb(heapBefore.heapUsed)} -> ${mb(heapIdle.heapUsed)} (+${mb(heapIdle.heapUsed - heapBefore.heapUsed)} for ${OBJECTS * clusters.length} watched objects), RSS ${mb(heapIdle.rss)}${(globalThis as { gc?: unknown }).gc ? '' : ' (run with --expose-gc for steadier numbers)'}`,
    `  ${PATCHES} out-of-band patches, ack -> finding recorded: p50 ${pct(drover, 50).toFixed(0)} ms, p95 ${pct(drover, 95).toFixed(0)} ms, max ${Math.max(...drover).toFixed(0)} ms (target p50 <= 1000 ms); from send: p50 ${pct(droverFromSend, 50).toFixed(0)} ms`,
    `  peer kubectl get --watch, ack -> printed (${peer.length} seen): p50 ${peer.length ? pct(peer, 50).toFixed(0) : '-'} ms, p95 ${peer.length ? pct(peer, 95).toFixed(0) : '-'} ms`,
    `  requests by the monitor during the patches: ${patchRequests} (GETs: ${patchGets}, watch reconnects: ${reconnects})`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
} finally {
  for (const p of peers) p.kill();
  await Promise.all(monitors.map((m) => m.stop()));
  for (const c of [...clusters, ...patchers]) closeCluster(c);
  for (const c of env.clusters) {
    await kubectl(c, ['delete', 'namespace', ns, '--wait=false']).catch(() => {});
    await kubectl(c, ['delete', 'configmap', `inventory-${bundle}`, '-n', 'drover-system', '--ignore-not-found']).catch(
      () => {},
    );
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  if (!shared) await stopEnv(env);
}
