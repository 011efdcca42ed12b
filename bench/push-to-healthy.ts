/**
 * Benchmark: push-to-healthy latency of `drover serve` with the webhook. One
 * commit changes every one of N bundles (a ConfigMap value and the pod
 * template, so each Deployment really rolls out); the clock starts when the
 * webhook is sent (right after `git push`, as GitHub would) and stops when
 * the API reports every bundle running the new version on every cluster of
 * the first environment (3 clusters, one wave). p50 and p95 over the pushes.
 *
 * Peer: the same manifests applied with `kubectl apply --server-side` to the
 * three clusters in parallel, then `kubectl rollout status` of every
 * Deployment: what a push pipeline without Drover does (no versions, no
 * registry, no journal, no rollback). Prints times and ratios; not a test.
 *
 * Needs a running environment (`npm run env:up`):
 *   DROVER_TEST_ENV=<dir> node bench/push-to-healthy.ts [pushes=10] [bundles=10] [concurrency=10]
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { createRepo, git } from '../fixtures/testenv/git-server.ts';
import { kubectl } from '../fixtures/testenv/kube.ts';
import { signWebhookBody } from '../http/verify-webhook.ts';
import { writeTestConfig } from '../fixtures/testenv/config.ts';
import { benchEnv, fmt, pct } from './common.ts';

const execFileP = promisify(execFile);
const pushes = Number(process.argv[2] ?? 10);
const bundles = Number(process.argv[3] ?? 10);
const concurrency = Number(process.argv[4] ?? 10);
const root = join(import.meta.dirname, '..');
const env = benchEnv({ clusters: 3 });
const clusters = env.clusters.slice(0, 3);

const id = Math.random().toString(16).slice(2, 8);
const ns = `bench-${id}`;
const names = Array.from({ length: bundles }, (_, i) => `b${i}-${id}`);
const token = `bench-token-${id}-${Math.random().toString(16).slice(2)}`;
const secret = `bench-secret-${id}-${Math.random().toString(16).slice(2)}`;
const dir = mkdtempSync(join(tmpdir(), 'drover-bench-p2h-'));

/** The repository at round `round`: every bundle's ConfigMap and pod template carry it. */
function writeRound(repo: string, round: number, namespace = ns) {
  for (const name of names) {
    const d = join(repo, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(
      join(d, 'bundle.yaml'),
      stringify({
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Bundle',
        metadata: { name },
        spec: { namespace, roots: [{ kind: 'Deployment', name }] },
      }),
    );
    writeFileSync(
      join(d, 'config.yaml'),
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${name}-config`, namespace },
        data: { ROUND: String(round) },
      }),
    );
    writeFileSync(
      join(d, 'service.yaml'),
      stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace },
        spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
      }),
    );
    writeFileSync(
      join(d, 'deployment.yaml'),
      stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace, labels: { bench: id } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name }, annotations: { 'bench/round': String(round) } },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: `registry.invalid/${name}:1`,
                  envFrom: [{ configMapRef: { name: `${name}-config` } }],
                  readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                  resources: { requests: { cpu: '10m', memory: '16Mi' } },
                },
              ],
            },
          },
        },
      }),
    );
  }
}

let daemon: ChildProcess | undefined;
try {
  const seed = join(dir, 'seed');
  writeRound(seed, 0);
  const url = await createRepo(env.git, { name: `bench-${id}`, fixtureDir: seed });
  for (const c of clusters) await kubectl(env.bin, c.kubeconfig, ['create', 'namespace', ns]);
  const work = join(dir, 'work');
  await git(dir, ['clone', '--quiet', url, work]);
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  writeTestConfig(env, ws, {
    sources: [{ name: 'bench', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${env.registry.host}/bench-${id}`,
    environments: [{ name: 'dev', clusters: clusters.map((c) => c.name) }],
    clusters,
  });

  const proc = spawn(
    process.execPath,
    [
      join(root, 'cmd', 'drover.ts'),
      'serve',
      '--config',
      join(ws, 'drover.yaml'),
      '--listen',
      '127.0.0.1:0',
      '--concurrency',
      String(concurrency),
    ],
    {
      env: { ...process.env, DROVER_API_TOKEN: token, DROVER_WEBHOOK_SECRET: secret },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  daemon = proc;
  const port = await new Promise<number>((resolve, reject) => {
    const logFile = process.env.BENCH_LOG;
    createInterface({ input: proc.stderr! }).on('line', (line) => {
      if (logFile) writeFileSync(logFile, `${line}\n`, { flag: 'a' });
      const rec = JSON.parse(line) as { msg: string; port?: number; level: string };
      if (rec.msg === 'listening') resolve(rec.port!);
      if (rec.level === 'error') process.stderr.write(`daemon: ${line}\n`);
    });
    proc.on('exit', (code) => reject(new Error(`drover serve exited (${code})`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const allRun = async (version: string) => {
    const r = await fetch(`${base}/api/v1/bundles`, { headers: { authorization: `Bearer ${token}` } });
    if (r.status !== 200) return false;
    const list = (await r.json()) as { name: string; environments: { name: string; runs: string | null }[] }[];
    return names.every(
      (n) => list.find((b) => b.name === n)?.environments.find((e) => e.name === 'dev')?.runs === version,
    );
  };
  const waitAll = async (version: string, timeoutMs = 300_000) => {
    const end = Date.now() + timeoutMs;
    while (!(await allRun(version))) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${version} everywhere`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  process.stderr.write(
    `${bundles} bundles x ${clusters.length} clusters, ${pushes} pushes, daemon concurrency ${concurrency}\n`,
  );
  await waitAll('1.0.0');

  const drover: number[] = [];
  const pushMs: number[] = [];
  for (let round = 1; round <= pushes; round++) {
    writeRound(work, round);
    await git(work, ['add', '-A']);
    await git(work, ['commit', '--quiet', '-m', `round ${round}`]);
    const p0 = performance.now();
    await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
    pushMs.push(performance.now() - p0);
    const after = (await git(work, ['rev-parse', 'HEAD'])).trim();
    const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { clone_url: url } });
    const t0 = performance.now();
    if (process.env.BENCH_LOG)
      writeFileSync(
        process.env.BENCH_LOG,
        `${JSON.stringify({ time: new Date().toISOString(), msg: `bench: webhook round ${round}` })}\n`,
        { flag: 'a' },
      );
    const hook = await fetch(`${base}/hooks/github`, {
      method: 'POST',
      body,
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': signWebhookBody({ secret, body }) },
    });
    if (hook.status !== 202) throw new Error(`webhook answered ${hook.status}`);
    await waitAll(`1.0.${round}`);
    drover.push(performance.now() - t0);
    process.stderr.write(`  push ${round}: ${fmt(drover.at(-1)!)}\n`);
  }

  // Peer: kubectl apply --server-side of the same files to the three clusters in parallel, then rollout status.
  const peerNs = `${ns}-kubectl`;
  for (const c of clusters) await kubectl(env.bin, c.kubeconfig, ['create', 'namespace', peerNs]);
  const peerDir = join(dir, 'peer');
  const peer: number[] = [];
  const applyRound = async (round: number) => {
    rmSync(peerDir, { recursive: true, force: true });
    writeRound(peerDir, round, peerNs);
    for (const n of names) rmSync(join(peerDir, n, 'bundle.yaml'));
    await Promise.all(
      clusters.map(async (c) => {
        const kc = ['--kubeconfig', c.kubeconfig];
        await execFileP(
          env.bin,
          ['kubectl', ...kc, 'apply', '--server-side', '--field-manager', 'bench', '-R', '-f', peerDir],
          { maxBuffer: 16 << 20 },
        );
        await execFileP(
          env.bin,
          ['kubectl', ...kc, 'rollout', 'status', 'deployment', '-n', peerNs, '-l', `bench=${id}`, '--timeout=300s'],
          { maxBuffer: 16 << 20 },
        );
      }),
    );
  };
  await applyRound(0);
  for (let round = 1; round <= pushes; round++) {
    const t0 = performance.now();
    await applyRound(round);
    peer.push(performance.now() - t0);
  }

  const rows = [
    ['drover serve (webhook -> healthy)', drover],
    ['kubectl apply --server-side + rollout status', peer],
  ] as const;
  process.stdout.write(
    `\npush-to-healthy, ${bundles} bundles changed in one commit, ${clusters.length} clusters, ${pushes} pushes\n`,
  );
  for (const [name, xs] of rows)
    process.stdout.write(
      `  ${name.padEnd(46)} p50 ${fmt(pct(xs, 50))}  p95 ${fmt(pct(xs, 95))}  min ${fmt(Math.min(...xs))}  max ${fmt(Math.max(...xs))}\n`,
    );
  process.stdout.write(`  git push itself (not counted above)            p50 ${fmt(pct(pushMs, 50))}\n`);
  process.stdout.write(
    `  ratio drover / kubectl: p50 ${(pct(drover, 50) / pct(peer, 50)).toFixed(2)}x  p95 ${(pct(drover, 95) / pct(peer, 95)).toFixed(2)}x\n`,
  );
  process.stdout.write(`  target p50 < 10 s: ${pct(drover, 50) < 10_000 ? 'met' : 'NOT met'}\n`);
  await Promise.all(
    clusters.map((c) => kubectl(env.bin, c.kubeconfig, ['delete', 'namespace', peerNs, '--wait=false'])),
  );
} finally {
  if (daemon && daemon.exitCode === null) {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon!.once('exit', r));
  }
  await Promise.all(
    clusters.map(async (c) => {
      await kubectl(env.bin, c.kubeconfig, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch(
        () => '',
      );
      await kubectl(env.bin, c.kubeconfig, [
        'delete',
        'configmap',
        '-n',
        'drover-system',
        '--ignore-not-found',
        ...names.map((n) => `inventory-${n}`),
      ]).catch(() => '');
    }),
  );
  rmSync(dir, { recursive: true, force: true });
}
