/**
 * Benchmark: a channel tag moved outside Drover -> every cluster of a
 * 2-cluster environment healthy on it, with `drover serve` following the tag
 * (issue #14). The clock starts when `oras tag` returns (the tag has moved)
 * and stops when the daemon's API reports the environment running the
 * version whole (every cluster's release verified healthy). p50 and p95 over
 * the moves, and how much of it was waiting for the poll (from the daemon's
 * log line for the follow). Each move waits a random part of the poll
 * interval first, so moves land anywhere in the poll cycle.
 *
 * Peer: `drover rollback B --env prod --to V` doing the same move (the tag
 * back one version, the same change to the same two clusters), timed from
 * the command's start to its exit, with the daemon stopped. Target: the
 * follow is at most one poll interval slower than 1.1x the rollback (the
 * poll is the only thing following adds). Each move goes one version back,
 * as a rollback does, so every move is to a version not yet quarantined.
 *
 * Needs a running environment (`npm run env:up`):
 *   DROVER_TEST_ENV=<dir> node bench/tag-follow.ts [moves=10] [pollSeconds=5]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeTestConfig } from '../fixtures/testenv/config.ts';
import { benchEnv, fmt, pct } from './common.ts';
import { droverCli } from '../fixtures/testenv/drover-cli.ts';
import { createRepo, git } from '../fixtures/testenv/git-server.ts';
import { kubectl } from '../fixtures/testenv/kube.ts';
import { orasCli } from '../fixtures/testenv/oras.ts';
import { type Daemon, startDaemon } from '../fixtures/testenv/serve-daemon.ts';

const moves = Number(process.argv[2] ?? 10);
const pollSeconds = Number(process.argv[3] ?? 5);
const env = benchEnv({ clusters: 3 });
const [dev, ...prod] = env.clusters.slice(0, 3) as [(typeof env.clusters)[number], ...(typeof env.clusters)[number][]];

const id = Math.random().toString(16).slice(2, 8);
const ns = `bench-tf-${id}`;
const bundle = `tf-${id}`;
const token = `bench-token-${id}-${Math.random().toString(16).slice(2)}`;
const dir = mkdtempSync(join(tmpdir(), 'drover-bench-tf-'));
const oras = orasCli(dir);
const versions = 2 * moves + 1;

function writeRound(repo: string, round: number) {
  const docs = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: bundle },
      spec: { namespace: ns, roots: [{ kind: 'Deployment', name: 'web' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-config', namespace: ns },
      data: { ROUND: String(round) },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' }, annotations: { 'bench/round': String(round) } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'registry.invalid/web:1',
                envFrom: [{ configMapRef: { name: 'web-config' } }],
                readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                resources: { requests: { cpu: '10m', memory: '16Mi' } },
              },
            ],
          },
        },
      },
    },
  ];
  writeFileSync(join(repo, 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
}

let daemon: Daemon | undefined;
try {
  const seed = join(dir, 'seed');
  mkdirSync(seed);
  writeRound(seed, 0);
  const url = await createRepo(env.git, { name: `bench-tf-${id}`, fixtureDir: seed });
  for (const c of [dev, ...prod]) await kubectl(env.bin, c.kubeconfig, ['create', 'namespace', ns]);
  const work = join(dir, 'work');
  await git(dir, ['clone', '--quiet', url, work]);
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  writeTestConfig(env, ws, {
    sources: [{ name: 'bench', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${env.registry.host}/bench-tf-${id}`,
    environments: [
      { name: 'dev', clusters: [dev.name] },
      { name: 'prod', clusters: prod.map((c) => c.name), promotion: { mode: 'manual' } },
    ],
    serve: { channels: { pollSeconds } },
  });
  const drover = droverCli(ws);
  const must = async (args: string[]) => {
    const r = await drover(args);
    if (r.code !== 0) throw new Error(`drover ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  process.stderr.write(`cutting ${versions} versions of ${bundle}\n`);
  await must(['cut']);
  for (let round = 1; round < versions; round++) {
    writeRound(work, round);
    await git(work, ['commit', '--quiet', '-am', `fix: round ${round}`]);
    await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
    await must(['cut']);
  }
  const newest = `1.0.${versions - 1}`;
  await must(['deploy', `${bundle}@${newest}`, '--env', 'prod']);

  daemon = await startDaemon({ config: join(ws, 'drover.yaml'), cwd: ws, env: { DROVER_API_TOKEN: token }, token });
  const d = daemon;
  const prodRuns = async () =>
    (
      (await d.api(`/api/v1/bundles/${bundle}`)).json as { environments: { name: string; runs: string | null }[] }
    ).environments.find((e) => e.name === 'prod')?.runs;
  await d.until('prod on the newest version', async () => (await prodRuns()) === newest);
  // Let the startup work (dev's deploy) finish before the clock runs.
  await d.until(
    'dev on the newest version',
    async () =>
      (
        (await d.api(`/api/v1/bundles/${bundle}`)).json as { environments: { name: string; runs: string | null }[] }
      ).environments.find((e) => e.name === 'dev')?.runs === newest,
    120_000,
  );

  process.stderr.write(
    `${moves} tag moves followed by drover serve (poll every ${pollSeconds} s), then ${moves} drover rollback, prod = ${prod.map((c) => c.name).join(' + ')}\n`,
  );
  const follow: number[] = [];
  const seen: number[] = [];
  for (let i = 1; i <= moves; i++) {
    const to = `1.0.${versions - 1 - i}`;
    // A move lands anywhere in the poll cycle, as a person's or a pipeline's would (not right after the last follow).
    await new Promise((r) => setTimeout(r, Math.random() * pollSeconds * 1000));
    const mark = d.lines.length;
    await oras(['tag', '--plain-http', `${env.registry.host}/bench-tf-${id}/${bundle}:${to}`, 'prod']);
    const t0 = performance.now();
    const wall0 = Date.now();
    await d.until(`prod on ${to}`, async () => (await prodRuns()) === to, 300_000);
    follow.push(performance.now() - t0);
    // When the daemon noticed: its log line for the follow.
    const noticed = await d.line((l) => String(l.msg).includes(`moved to ${to} outside Drover`), { after: mark });
    seen.push(Date.parse(String(noticed.time)) - wall0);
    process.stderr.write(`  tag -> ${to}: ${fmt(follow.at(-1)!)} (noticed after ${fmt(seen.at(-1)!)})\n`);
  }
  daemon.proc.kill('SIGTERM');
  await daemon.exited;
  daemon = undefined;

  const rollback: number[] = [];
  for (let i = 1; i <= moves; i++) {
    const to = `1.0.${versions - 1 - moves - i}`;
    const t0 = performance.now();
    await must(['rollback', bundle, '--env', 'prod', '--to', to]);
    rollback.push(performance.now() - t0);
    process.stderr.write(`  rollback -> ${to}: ${fmt(rollback.at(-1)!)}\n`);
  }

  process.stdout.write(
    `\ntag-follow, 1 bundle (ConfigMap + Deployment of 2 replicas), a 2-cluster environment, ${moves} moves, poll ${pollSeconds} s\n`,
  );
  for (const [name, xs] of [
    ['oras tag -> all healthy (drover serve)', follow],
    ['  of which: until the daemon noticed', seen],
    ['drover rollback (CLI, same move)', rollback],
  ] as const) {
    process.stdout.write(
      `  ${name.padEnd(40)} p50 ${fmt(pct(xs, 50))}  p95 ${fmt(pct(xs, 95))}  min ${fmt(Math.min(...xs))}  max ${fmt(Math.max(...xs))}\n`,
    );
  }
  for (const p of [50, 95]) {
    const limit = pollSeconds * 1000 + 1.1 * pct(rollback, p);
    process.stdout.write(
      `  p${p}: follow ${fmt(pct(follow, p))} vs poll + 1.1x rollback ${fmt(limit)}: ${pct(follow, p) <= limit ? 'met' : 'NOT met'}\n`,
    );
  }
} finally {
  if (daemon) await daemon.kill();
  await Promise.all(
    [dev, ...prod].map(async (c) => {
      await kubectl(env.bin, c.kubeconfig, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch(
        () => '',
      );
      await kubectl(env.bin, c.kubeconfig, [
        'delete',
        'configmap',
        '-n',
        'drover-system',
        '--ignore-not-found',
        `inventory-${bundle}`,
      ]).catch(() => '');
    }),
  );
  rmSync(dir, { recursive: true, force: true });
}
