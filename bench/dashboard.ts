/**
 * The dashboard's overview at scale: 500 bundles x 10 clusters (dev 2,
 * staging 3, prod 5) seeded in a real SQLite state through the journal's own
 * writers (5 versions a bundle, 3 releases per bundle x cluster, some in
 * flight, some rolled back, some drift, every channel marked), then the
 * overview rendered on the server: in process (the public API's `overview`
 * plus the template) and over HTTP through `drover serve`'s own listener and
 * routes (the first page, a name filter, a namespace filter, the last page).
 * Prints p50 and p95 of each, and the bytes one live update sends (a row
 * event, and a change note). No peer runs here: a figure, target p95 < 100 ms.
 *
 * Usage: node bench/dashboard.ts [bundles=500] [clusters=10] [iterations=200]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSEStreamingApi } from 'hono/streaming';
import { stringify } from 'yaml';
import { overviewPage, overviewRow } from '../http/dashboard/views/overview.ts';
import { type HttpServer, startHttpServer } from '../http/http-server.ts';
import { type DaemonHandle, openWorkspace, overview } from '../lib/index.ts';
import { createChangeFeed } from '../lib/loop/changes.ts';
import { createDependencyTracker } from '../lib/loop/dependencies.ts';
import { createLogger } from '../lib/loop/log.ts';
import { createServeMetrics } from '../lib/loop/serve-metrics.ts';
import { markChannel } from '../lib/state/channel-marks.ts';
import { recordFinding } from '../lib/state/drift.ts';
import { beginRelease, recordStep } from '../lib/state/releases.ts';
import { recordCut, type VersionRecord } from '../lib/state/versions.ts';
import { pct } from './common.ts';

/** One event's bytes as the dashboard's live stream sends it: framed by Hono's writeSSE. */
async function sseBytes(event: string, data: string): Promise<number> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const sse = new SSEStreamingApi(writable, readable);
  const sent = new Response(sse.responseReadable).arrayBuffer();
  await sse.writeSSE({ event, data });
  await sse.close();
  return (await sent).byteLength;
}

const [BUNDLES = 500, CLUSTERS = 10, ITER = 200] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'drover-bench-dashboard-'));
const clusters = Array.from({ length: CLUSTERS }, (_, i) => `c${i + 1}`);
const split = [Math.max(1, Math.round(CLUSTERS * 0.2)), Math.max(1, Math.round(CLUSTERS * 0.3))];
const environments = [
  { name: 'dev', clusters: clusters.slice(0, split[0]) },
  { name: 'staging', clusters: clusters.slice(split[0], split[0]! + split[1]!) },
  { name: 'prod', clusters: clusters.slice(split[0]! + split[1]!) },
].filter((e) => e.clusters.length > 0);
writeFileSync(
  join(dir, 'drover.yaml'),
  stringify({
    apiVersion: 'drover.dev/v1alpha1',
    kind: 'Config',
    sources: [{ name: 'apps', url: join(dir, 'repo') }],
    registry: `oci-layout://${join(dir, 'registry')}`,
    clusters: clusters.map((c) => ({ name: c, context: c })),
    environments,
    serve: { dashboard: { anonymousRead: true } },
  }),
);
const ws = await openWorkspace({ configPath: join(dir, 'drover.yaml') });
const db = ws.db;

// Seeding: one transaction, no fsync per row (the measured reads do not depend on how the rows were written).
const t0 = performance.now();
db.pragma('synchronous = OFF');
const name = (i: number) => `svc-${String(i).padStart(3, '0')}`;
const digestOf = (b: number, v: number) => `sha256:${(b * 1000 + v).toString(16).padStart(64, '0')}`;
/** Every bundle's version 1.0.`v`: six members in the bundle's team namespace, cut from commit `v`. */
function versionsAt(v: number): VersionRecord[] {
  return Array.from({ length: BUNDLES }, (_, b) => ({
    bundle: name(b),
    version: `1.0.${v}`,
    digest: digestOf(b, v),
    commit: `${v}`.repeat(40),
    parent: v ? `1.0.${v - 1}` : null,
    createdAt: new Date().toISOString(),
    config: {
      name: name(b),
      version: `1.0.${v}`,
      members: ['Deployment', 'Service', 'ConfigMap', 'ConfigMap', 'Secret', 'ServiceAccount'].map((kind, k) => ({
        apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
        kind,
        namespace: `team-${b % 20}`,
        name: `${name(b)}-${k}`,
        digest: digestOf(b, k) as `sha256:${string}`,
      })),
      provenance: {
        source: 'https://git.example/apps.git',
        commit: `${v}`.repeat(40),
        changedPaths: [`apps/${name(b)}/config.yaml`],
        author: 'Dev <dev@example.com>',
        commitTime: new Date().toISOString(),
        parent: v ? `1.0.${v - 1}` : null,
      },
    },
  }));
}

/** Bundle `b`'s three releases on one cluster up to 1.0.`top`: the last one in flight (b % 17) or rolled back (b % 13). */
function seedReleases({
  b,
  environment,
  cluster,
  top,
}: {
  b: number;
  environment: string;
  cluster: string;
  top: number;
}) {
  for (let v = top - 2; v <= top; v++) {
    const r = beginRelease(db, {
      bundle: name(b),
      cluster,
      environment,
      version: `1.0.${v}`,
      digest: digestOf(b, v),
      ...(v ? { fromVersion: `1.0.${v - 1}`, fromDigest: digestOf(b, v - 1) } : {}),
    });
    recordStep(db, r.id, { state: 'applying', message: 'applying 6 members' });
    const last = v === top;
    if (last && b % 17 === 0) continue; // in flight
    if (last && b % 13 === 0) {
      recordStep(db, r.id, {
        state: 'rolling-back',
        message: 'Deployment failed: CrashLoopBackOff',
        reason: 'CrashLoopBackOff',
        failedObject: `Deployment/team-${b % 20}/${name(b)}-0`,
      });
      recordStep(db, r.id, { state: 'rolled-back', message: `restored 1.0.${v - 1}` });
      continue;
    }
    recordStep(db, r.id, { state: 'verifying', message: 'waiting for health' });
    recordStep(db, r.id, { state: 'succeeded', message: 'healthy' });
  }
}

/** An open drift finding on bundle `b`'s Deployment on one cluster: replicas scaled by hand. */
function seedDrift({ b, cluster, top }: { b: number; cluster: string; top: number }) {
  recordFinding(db, {
    bundle: name(b),
    cluster,
    apiVersion: 'apps/v1',
    objectKind: 'Deployment',
    namespace: `team-${b % 20}`,
    name: `${name(b)}-0`,
    ref: `Deployment/team-${b % 20}/${name(b)}-0`,
    version: `1.0.${top}`,
    digest: digestOf(b, top),
    detectedBy: 'watch',
    kind: 'changed',
    fields: [{ path: 'spec.replicas', desired: 2, live: 5, managers: ['kubectl-scale'] }],
  });
}

db.transaction(() => {
  for (let v = 0; v < 5; v++) {
    recordCut(db, {
      source: { name: 'apps', url: 'https://git.example/apps.git', branch: 'main', commit: `${v}`.repeat(40) },
      versions: versionsAt(v),
      repositoryOf: (b) => `${b}`,
    });
  }
  for (let b = 0; b < BUNDLES; b++) {
    for (const e of environments) {
      const top = e.name === 'dev' ? 4 : e.name === 'staging' ? 3 : 2;
      for (const c of e.clusters) {
        seedReleases({ b, environment: e.name, cluster: c, top });
        if (b % 11 === 0) seedDrift({ b, cluster: c, top });
      }
      markChannel(db, { bundle: name(b), environment: e.name, digest: digestOf(b, top) });
    }
  }
})();
db.pragma('synchronous = FULL');
const rows = (db.prepare('SELECT count(*) AS n FROM releases').get() as { n: number }).n;
process.stdout.write(
  `seeded ${BUNDLES} bundles x ${CLUSTERS} clusters (${environments.map((e) => `${e.name} ${e.clusters.length}`).join(', ')}): ${rows} releases, ${BUNDLES * 5} versions in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);

const ms = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms`;
async function measure(what: string, run: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 10; i++) await run(); // warm
  const xs: number[] = [];
  for (let i = 0; i < ITER; i++) {
    const t = performance.now();
    await run();
    xs.push(performance.now() - t);
  }
  process.stdout.write(`${what.padEnd(52)} ${ms(xs)}\n`);
  return xs;
}

const inProcess = await measure(
  'overview, page 1, rendered in process',
  async () => overviewPage({ view: await overview({ ws, limit: 50 }), ctx: { csrf: null } }).value,
);
const bytes = overviewPage({ view: await overview({ ws, limit: 50 }), ctx: { csrf: null } }).value.length;

const metrics = createServeMetrics();
const log = createLogger({ write: () => {} });
const handle: DaemonHandle = {
  ctx: {
    ws,
    log,
    metrics,
    deps: createDependencyTracker({ metrics, log, registry: ws.config.registry }),
    signal: new AbortController().signal,
    changes: createChangeFeed(),
  },
  status: () => ({
    ready: true,
    shuttingDown: false,
    failing: [],
    recovery: 'done',
    stateOpen: true,
    startedAt: new Date().toISOString(),
  }),
  queue: () => ({ running: [], queued: [] }),
  wakeSource: () => {},
  wakeBundle: () => {},
  runExclusive: () => Promise.reject(new Error('read-only benchmark')),
  actions: {
    cut: () => Promise.reject(new Error('read-only')),
    plan: () => Promise.reject(new Error('read-only')),
    deploy: () => Promise.reject(new Error('read-only')),
    promote: () => Promise.reject(new Error('read-only')),
    rollback: () => Promise.reject(new Error('read-only')),
    heal: () => Promise.reject(new Error('read-only')),
  },
  webhook: { secrets: {}, shared: [], maxBodyBytes: 1024 },
  apiToken: undefined,
};
const server: HttpServer = await startHttpServer({ handle, listen: '127.0.0.1:0', log });
const base = `http://127.0.0.1:${server.address.port}`;
const get = (path: string) => async () => {
  const r = await fetch(`${base}${path}`);
  if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
  return r.text();
};
const http = [
  await measure('GET / (page 1 of 10) over HTTP', get('/')),
  await measure('GET /?q=svc-4 (name filter) over HTTP', get('/?q=svc-4')),
  await measure('GET /?namespace=team-7 (namespace filter) over HTTP', get('/?namespace=team-7')),
  await measure(
    `GET /?page=${Math.ceil(BUNDLES / 50)} (last page) over HTTP`,
    get(`/?page=${Math.ceil(BUNDLES / 50)}`),
  ),
];
const all = http.flat();

// One live update: the changed bundle's row, re-read from the state and rendered (timed), then framed as an SSE event (counted).
const rowTimes: number[] = [];
const rowBytes: number[] = [];
for (let i = 0; i < ITER; i++) {
  const t = performance.now();
  const v = await overview({ ws, only: [name(i % BUNDLES)], limit: 1 });
  const row = overviewRow(v.rows[0]!).value;
  rowTimes.push(performance.now() - t);
  rowBytes.push(await sseBytes('row', row));
}
process.stdout.write(`${'one live row update (read + render)'.padEnd(52)} ${ms(rowTimes)}\n`);
process.stdout.write(
  `\nbytes: overview page 1 ${(bytes / 1024).toFixed(0)} KiB; per SSE update: row event p50 ${pct(rowBytes, 50)} B, max ${Math.max(...rowBytes)} B; change note ${await sseBytes('change', name(0))} B\n`,
);
process.stdout.write(
  `overview over HTTP, all four pages: p50 ${pct(all, 50).toFixed(1)} ms, p95 ${pct(all, 95).toFixed(1)} ms (target p95 < 100 ms: ${pct(all, 95) < 100 ? 'met' : 'missed'}); in process p95 ${pct(inProcess, 95).toFixed(1)} ms\n`,
);
await server.close();
ws.close();
rmSync(dir, { recursive: true, force: true });
