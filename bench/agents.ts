/**
 * Benchmark: agents as the fan-out engine (issue #15). For each N, N agent
 * processes, each a simulated cluster with its own identity (`sim-<i>`, in
 * its own environment `fleet-<i>`, applying its own generated bundle
 * `w<i>-<id>` into the shared local API server c3, so names and inventories
 * do not collide), follow one tag each; `drover serve` is the hub. A tag move
 * per agent (`oras tag ... fleet-<i>`, all at once) -> every agent reports
 * its bundle healthy: the time, and the hub's CPU-seconds and peak RSS over
 * that rollout (the hub's only per-cluster work is following the tag and
 * reading a status). The hub and the agents run with the Node settings
 * deploy/ gives their containers (NODE_OPTIONS, MALLOC_ARENA_MAX). Then 60 s at rest (one whole resync of the hub's
 * loop): registry requests per second, counted by transparent proxies (one
 * for the hub, one for the agents, each broken down by kind), against the
 * target (N agents + the tags the hub watches) / poll interval, with the
 * tags watched counted both as every (bundle, environment) pair the hub
 * follows and as the 2N it reads each poll. Prints figures and the slope per
 * added cluster; no peer.
 *
 * Needs a running environment (`npm run env:up`):
 *   node bench/agents.ts [counts=10,25,50] [pollSeconds=5]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeTestConfig } from '../fixtures/testenv/config.ts';
import { countingProxy, since } from '../fixtures/testenv/counting-proxy.ts';
import { droverCli } from '../fixtures/testenv/drover-cli.ts';
import { createRepo, git } from '../fixtures/testenv/git-server.ts';
import { kubectl } from '../fixtures/testenv/kube.ts';
import { orasCli } from '../fixtures/testenv/oras.ts';
import { startDaemon } from '../fixtures/testenv/serve-daemon.ts';
import { benchEnv, deployedNodeSettings, fmt } from './common.ts';

const counts = (process.argv[2] ?? '10,25,50').split(',').map(Number);
const pollSeconds = Number(process.argv[3] ?? 5);
const env = benchEnv({ clusters: 3 });
const [c1, , c3] = env.clusters as [
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
];
const cli = join(import.meta.dirname, '..', 'cmd', 'drover.ts');
const token = `bench-${Math.random().toString(16).slice(2)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const procStat = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { cpuSeconds: (Number(f[11]) + Number(f[12])) / 100, rssMb: (Number(f[21]) * 4096) / 2 ** 20 };
};

const rows: {
  n: number;
  rolloutMs: number;
  hubCpu: number;
  hubPeakMb: number;
  restRps: number;
  targetRps: number;
  floorRps: number;
}[] = [];
for (const n of counts) {
  const id = Math.random().toString(16).slice(2, 8);
  const ns = `bench-ag-${id}`;
  const names = Array.from({ length: n }, (_, i) => `w${i}-${id}`);
  const dir = mkdtempSync(join(tmpdir(), 'drover-bench-agents-'));
  // One proxy for the hub and one for the agents, so each side's requests are told apart.
  const proxy = await countingProxy(env.registry.host);
  const agentProxy = await countingProxy(env.registry.host);
  const agents: ChildProcess[] = [];
  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
  try {
    const writeRound = (repo: string, round: number) => {
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
            data: { ROUND: String(round) },
          },
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name, namespace: ns },
            spec: {
              replicas: 1,
              selector: { matchLabels: { app: name } },
              template: {
                metadata: { labels: { app: name }, annotations: { round: String(round) } },
                spec: {
                  containers: [
                    {
                      name: 'app',
                      image: 'registry.invalid/app:1',
                      envFrom: [{ configMapRef: { name: `${name}-config` } }],
                      resources: { requests: { cpu: '10m', memory: '16Mi' } },
                    },
                  ],
                },
              },
            },
          },
        ];
        writeFileSync(join(repo, `${name}.yaml`), docs.map((d) => stringify(d)).join('---\n'));
      }
    };
    const seed = join(dir, 'seed');
    mkdirSync(seed);
    writeRound(seed, 0);
    const url = await createRepo(env.git, { name: `bench-ag-${id}`, fixtureDir: seed });
    for (const c of [c1, c3]) await kubectl(env.bin, c.kubeconfig, ['create', 'namespace', ns]);
    const ws = join(dir, 'hub');
    mkdirSync(ws);
    const registry = `oci://${proxy.host}/bench-ag-${id}`;
    const agentRegistry = `oci://${agentProxy.host}/bench-ag-${id}`;
    writeTestConfig(env, ws, {
      sources: [{ name: 'bench', url, schedule: '0 0 1 1 *' }],
      registry,
      clusters: [c1],
      agentClusters: names.map((_, i) => `sim-${i}`),
      // The pipeline's first environment takes every new version (a push cluster, c1); then one environment per simulated cluster, manual: only tag moves release there.
      environments: [
        { name: 'dev', clusters: ['c1'] },
        ...names.map((_, i) => ({
          name: `fleet-${i}`,
          clusters: [`sim-${i}`],
          timeoutSeconds: 300,
          promotion: { mode: 'manual' },
        })),
      ],
      serve: { channels: { pollSeconds } },
    });
    const drover = droverCli(ws);
    if ((await drover(['cut'])).code !== 0) throw new Error('cut failed');
    // Every simulated cluster's agent: its own identity and state, the same API server.
    for (const [i] of names.entries()) {
      agents.push(
        spawn(
          process.execPath,
          [
            cli,
            'agent',
            '--env',
            `fleet-${i}`,
            '--cluster',
            `sim-${i}`,
            '--registry',
            agentRegistry,
            '--kubeconfig',
            c3.kubeconfig,
            '--context',
            c3.context,
            '--state',
            join(dir, `agent-${i}`),
            '--poll-seconds',
            String(pollSeconds),
          ],
          {
            stdio: 'ignore',
            env: { PATH: process.env.PATH, HOME: dir, ...deployedNodeSettings('agent/deployment.yaml') },
          },
        ),
      );
    }
    // 1.0.0 to every fleet through the hub, which writes each index and waits for each report (four at a time: setup, not measured;
    // 50 CLI processes at once on two cores starve the agents they wait for).
    const queue = [...names.entries()];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [i, name] = next;
          const r = await drover(['deploy', `${name}@1.0.0`, '--env', `fleet-${i}`]);
          if (r.code !== 0)
            throw new Error(`deploy ${name} exited ${r.code}: ${(r.stderr || JSON.stringify(r.json)).slice(-500)}`);
        }
      }),
    );
    const work = join(dir, 'work');
    await git(dir, ['clone', '--quiet', url, work]);
    writeRound(work, 1);
    await git(work, ['commit', '--quiet', '-am', 'round 1']);
    await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
    if ((await drover(['cut'])).code !== 0) throw new Error('cut failed');

    daemon = await startDaemon({
      config: join(ws, 'drover.yaml'),
      cwd: ws,
      env: { DROVER_API_TOKEN: token, ...deployedNodeSettings('deployment.yaml') },
      token,
    });
    const d = daemon;
    // At start the hub takes 1.0.1 of every bundle to dev (c1); let that finish before the clock runs.
    await d.until(
      '1.0.1 in dev',
      async () => {
        const list = (await d.api('/api/v1/bundles')).json as {
          name: string;
          environments: { name: string; runs: string | null }[];
        }[];
        return names.every(
          (x) => list.find((b) => b.name === x)?.environments.find((e) => e.name === 'dev')?.runs === '1.0.1',
        );
      },
      600_000,
    );
    await sleep(2 * pollSeconds * 1000);
    const oras = orasCli(dir);
    const allOn = async (version: string) => {
      const rows = (await d.api('/api/v1/status')).json as {
        bundle: string;
        cluster: string;
        running: string | null;
        agent?: { state: string } | null;
      }[];
      return names.every((name, i) =>
        rows.some(
          (r) =>
            r.bundle === name && r.cluster === `sim-${i}` && r.running === version && r.agent?.state === 'succeeded',
        ),
      );
    };
    if (!(await allOn('1.0.0'))) throw new Error('not every agent reports 1.0.0');
    const cpu0 = procStat(d.proc.pid!).cpuSeconds;
    let peak = procStat(d.proc.pid!).rssMb;
    const sampler = setInterval(() => (peak = Math.max(peak, procStat(d.proc.pid!).rssMb)), 200);
    const t0 = performance.now();
    await Promise.all(
      names.map((name, i) =>
        oras(['tag', '--plain-http', `${env.registry.host}/bench-ag-${id}/${name}:1.0.1`, `fleet-${i}`]),
      ),
    );
    await d.until('every agent on 1.0.1', () => allOn('1.0.1'), 600_000);
    const rolloutMs = performance.now() - t0;
    clearInterval(sampler);
    const hubCpu = procStat(d.proc.pid!).cpuSeconds - cpu0;

    // At rest: every agent polls its index and tag, the hub its tags (and its resync).
    await sleep(2 * pollSeconds * 1000);
    const sides = [proxy, agentProxy].map((p) => ({ p, count: p.count(), kinds: p.kinds() }));
    // A whole resync period (the hub's loop wakes every bundle each 60 s), so the window holds exactly one.
    const restSeconds = 60;
    await sleep(restSeconds * 1000);
    const [hubRest, agentRest] = sides.map(({ p, count, kinds }) => ({
      rps: (p.count() - count) / restSeconds,
      kinds: [...since(kinds, p.kinds())].map(([k, v]) => [k, v / restSeconds] as const).sort((a, b) => b[1] - a[1]),
    })) as [
      { rps: number; kinds: (readonly [string, number])[] },
      { rps: number; kinds: (readonly [string, number])[] },
    ];
    const restRps = hubRest.rps + agentRest.rps;
    const said = (side: typeof hubRest) =>
      `${side.rps.toFixed(2)} (${side.kinds.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')})`;
    // The issue's target, (N + tags the hub watches) / poll, read two ways: the hub follows every (bundle, environment) pair,
    // N(N+1); it reads with a HEAD each poll only the 2N where a bundle runs (dev and its fleet), the rest from one listing
    // a bundle per resync. The floor (N + 2N) / poll leaves out the agents' index reads (one per agent every 30 s) and the listings.
    const targetRps = (n + n * (n + 1)) / pollSeconds;
    const floorRps = (n + 2 * n) / pollSeconds;
    rows.push({ n, rolloutMs, hubCpu, hubPeakMb: peak, restRps, targetRps, floorRps });
    process.stderr.write(
      `  N=${n}: rollout ${fmt(rolloutMs)}, hub ${hubCpu.toFixed(2)} CPU-s, peak ${peak.toFixed(0)} MB, at rest ${restRps.toFixed(2)} req/s (every pair watched <= ${targetRps.toFixed(1)}, HEADed tags only <= ${floorRps.toFixed(1)}): hub ${said(hubRest)}, agents ${said(agentRest)}\n`,
    );
  } finally {
    await daemon?.kill();
    for (const a of agents) a.kill('SIGTERM');
    await Promise.all(agents.map((a) => (a.exitCode === null ? new Promise((r) => a.once('exit', r)) : undefined)));
    proxy.close();
    agentProxy.close();
    for (const c of [c1, c3]) {
      await kubectl(env.bin, c.kubeconfig, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch(
        () => '',
      );
      await kubectl(env.bin, c.kubeconfig, [
        'delete',
        'configmap',
        '-n',
        'drover-system',
        '--ignore-not-found',
        ...names.map((x) => `inventory-${x}`),
      ]).catch(() => '');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

process.stdout.write(
  `\nagents: N agents (one simulated cluster and one bundle each) following one tag each, poll ${pollSeconds} s; hub = drover serve\n`,
);
process.stdout.write(
  `  ${'N'.padStart(4)}  ${'tag moves -> all healthy'.padEnd(26)}${'hub CPU-s'.padEnd(12)}${'hub peak RSS'.padEnd(15)}registry req/s at rest (<= (N + N(N+1)) / poll; <= (N + 2N) / poll)\n`,
);
const verdict = (rps: number, target: number) =>
  `<= ${target.toFixed(1)}: ${rps <= target ? 'met' : `NOT met, ${(rps / target).toFixed(2)}x`}`;
for (const r of rows)
  process.stdout.write(
    `  ${String(r.n).padStart(4)}  ${fmt(r.rolloutMs).padEnd(26)}${r.hubCpu.toFixed(2).padEnd(12)}${`${r.hubPeakMb.toFixed(0)} MB`.padEnd(15)}${r.restRps.toFixed(2)} (${verdict(r.restRps, r.targetRps)}; ${verdict(r.restRps, r.floorRps)})\n`,
  );
if (rows.length >= 2) {
  const [a, b] = [rows[0]!, rows.at(-1)!];
  const per = (x: number, y: number) => ((y - x) / (b.n - a.n)).toFixed(3);
  process.stdout.write(
    `  slope per added cluster: rollout ${per(a.rolloutMs / 1000, b.rolloutMs / 1000)} s, hub CPU ${per(a.hubCpu, b.hubCpu)} s, hub peak RSS ${per(a.hubPeakMb, b.hubPeakMb)} MB\n`,
  );
}
