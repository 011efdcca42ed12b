/**
 * Benchmark: the memory of one `drover agent` (issue #15's memory target: an
 * agent runs in every cluster, so its footprint matters more than the
 * hub's; target <= 100 MB RSS with 20 bundles). One agent on c3 follows an
 * environment of N bundles (a ConfigMap and a Deployment each); the hub
 * (`drover deploy --env`, one bundle after the other) moves the tags and
 * waits for the agent's reports. The agent's RSS is read from
 * /proc/<pid>/status: at rest before anything is listed, its peak while the
 * N rollouts run, and at rest after. Prints figures; no peer.
 *
 * The agent is started twice: once with an empty compile cache (its RSS at
 * rest is printed: that start loads Node's TypeScript stripper), then the
 * measured run with a cache written by deploy/Containerfile's own command
 * (cmd/warm-compile-cache.ts, then `drover --help`). Both run with
 * the Node settings deploy/agent/deployment.yaml gives the agent's container
 * (its env: NODE_OPTIONS, MALLOC_ARENA_MAX), or none with `none` as the
 * third argument, or `NAME=value;NAME=value` to try others.
 *
 * Needs a running environment (`npm run env:up`):
 *   node bench/agent-memory.ts [bundles=20] [pollSeconds=2] [deployment|none|NAME=value;...]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { writeTestConfig } from '../fixtures/testenv/config.ts';
import { droverCli } from '../fixtures/testenv/drover-cli.ts';
import { createRepo } from '../fixtures/testenv/git-server.ts';
import { kubectl } from '../fixtures/testenv/kube.ts';
import { parseContainerfile } from '../deploy/containerfile.ts';
import { benchEnv, deployedNodeSettings } from './common.ts';

const bundles = Number(process.argv[2] ?? 20);
const pollSeconds = Number(process.argv[3] ?? 2);
const settingsArg = process.argv[4] ?? 'deployment';
const settings: Record<string, string> =
  settingsArg === 'deployment'
    ? deployedNodeSettings('agent/deployment.yaml')
    : settingsArg === 'none'
      ? {}
      : Object.fromEntries(
          settingsArg
            .split(';')
            .filter(Boolean)
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        );
const said =
  Object.entries(settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || 'no Node settings';
const env = benchEnv({ clusters: 3 });
const c3 = env.clusters[2]!;
const id = Math.random().toString(16).slice(2, 8);
const ns = `bench-am-${id}`;
const names = Array.from({ length: bundles }, (_, i) => `am${i}-${id}`);
const dir = mkdtempSync(join(tmpdir(), 'drover-bench-am-'));
const root = join(import.meta.dirname, '..');
const cli = join(root, 'cmd', 'drover.ts');
const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let agent: ChildProcess | undefined;
try {
  const seed = join(dir, 'seed');
  mkdirSync(seed);
  for (const name of names) {
    const docs = [
      {
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Bundle',
        metadata: { name },
        spec: { namespace: ns, roots: [{ kind: 'Deployment', name }] },
      },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${name}-config`, namespace: ns },
        data: { NAME: name },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: 'registry.invalid/app:1',
                  envFrom: [{ configMapRef: { name: `${name}-config` } }],
                  readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                  resources: { requests: { cpu: '10m', memory: '16Mi' } },
                },
              ],
            },
          },
        },
      },
    ];
    writeFileSync(join(seed, `${name}.yaml`), docs.map((d) => stringify(d)).join('---\n'));
  }
  const url = await createRepo(env.git, { name: `bench-am-${id}`, fixtureDir: seed });
  await kubectl(env.bin, c3.kubeconfig, ['create', 'namespace', ns]);
  const ws = join(dir, 'hub');
  mkdirSync(ws);
  const registry = `oci://${env.registry.host}/bench-am-${id}`;
  writeTestConfig(env, ws, {
    sources: [{ name: 'bench', url, schedule: '0 0 1 1 *' }],
    registry,
    clusters: [],
    agentClusters: ['c3'],
    environments: [{ name: 'edge', clusters: ['c3'], timeoutSeconds: 120 }],
  });
  const drover = droverCli(ws);
  if ((await drover(['cut'])).code !== 0) throw new Error('cut failed');

  const startAgent = async (cache: string) => {
    const proc = spawn(
      process.execPath,
      [
        cli,
        'agent',
        '--env',
        'edge',
        '--cluster',
        'c3',
        '--registry',
        registry,
        '--kubeconfig',
        c3.kubeconfig,
        '--context',
        c3.context,
        '--state',
        join(dir, 'agent'),
        '--poll-seconds',
        String(pollSeconds),
        '--index-seconds',
        String(pollSeconds),
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { PATH: process.env.PATH, HOME: dir, NODE_COMPILE_CACHE: cache, ...settings },
      },
    );
    agent = proc;
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: proc.stderr! }).on('line', (l) => l.includes('"agent started"') && resolve());
      proc.on('exit', (code) => reject(new Error(`agent exited ${code}`)));
    });
    return proc;
  };
  // First start, empty compile cache: it strips every module's types (and keeps the stripper).
  const cold = await startAgent(join(dir, 'empty-cache'));
  await sleep(3 * pollSeconds * 1000);
  const coldKb = rssKb(cold.pid!);
  cold.kill('SIGTERM');
  await new Promise((r) => cold.once('exit', r));
  // The image's cache, written by deploy/Containerfile's own command.
  const cache = join(dir, 'image-cache');
  const warm = parseContainerfile(readFileSync(join(root, 'deploy', 'Containerfile'), 'utf8')).final.runs.find((r) =>
    r.command.includes('cmd/warm-compile-cache.ts'),
  )!;
  const w = spawnSync('sh', ['-c', warm.command], {
    cwd: root,
    env: { ...process.env, ...settings, ...warm.env, NODE_COMPILE_CACHE: cache },
    stdio: 'ignore',
  });
  if (w.status !== 0) throw new Error(`warming the compile cache: ${warm.command} exited ${w.status}`);
  const proc = await startAgent(cache);
  await sleep(3 * pollSeconds * 1000);
  const atStart = rssKb(proc.pid!);

  let peak = atStart;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb(proc.pid!))), 100);
  const t0 = performance.now();
  for (const name of names) {
    const r = await drover(['deploy', `${name}@1.0.0`, '--env', 'edge']);
    if (r.code !== 0) throw new Error(`deploy ${name} exited ${r.code}: ${r.stderr}`);
  }
  const rolloutMs = performance.now() - t0;
  clearInterval(sampler);
  await sleep(5 * pollSeconds * 1000);
  const atRest = rssKb(proc.pid!);

  process.stdout.write(
    `\nagent-memory: one drover agent on c3 following ${bundles} bundles (poll ${pollSeconds} s, ${said})\n`,
  );
  process.stdout.write(`  ${'RSS at rest, first start with an empty compile cache'.padEnd(54)}${mb(coldKb)}\n`);
  process.stdout.write(`  ${"RSS at rest before any bundle (the image's cache)".padEnd(54)}${mb(atStart)}\n`);
  process.stdout.write(
    `  ${`RSS peak during ${bundles} rollouts`.padEnd(54)}${mb(peak)}  (${(rolloutMs / 1000).toFixed(1)} s, hub deploys one after the other)\n`,
  );
  process.stdout.write(`  ${'RSS at rest after'.padEnd(54)}${mb(atRest)}\n`);
  process.stdout.write(
    `  target <= 100 MB with 20 bundles: ${bundles >= 20 && Math.max(peak, atRest) <= 100 * 1024 ? 'met' : bundles >= 20 ? 'NOT met' : 'n/a (fewer than 20 bundles)'}\n`,
  );
} finally {
  if (agent && agent.exitCode === null) {
    agent.kill('SIGTERM');
    await new Promise((r) => agent!.once('exit', r));
  }
  await kubectl(env.bin, c3.kubeconfig, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch(
    () => '',
  );
  await kubectl(env.bin, c3.kubeconfig, [
    'delete',
    'configmap',
    '-n',
    'drover-system',
    '--ignore-not-found',
    ...names.map((n) => `inventory-${n}`),
  ]).catch(() => '');
  rmSync(dir, { recursive: true, force: true });
}
