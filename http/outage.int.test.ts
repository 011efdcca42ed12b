// Outages under `drover serve`, each with the real process stopped and
// started again (this file runs its own registry, Git server and cluster o1,
// so stopping them leaves the shared environment alone; c1 is shared):
// - the registry down: nothing is deleted, the cut is retried with backoff,
//   /readyz stays 200 while /metrics and /api/v1/daemon say the registry is
//   unreachable; the API still answers from the clusters; once the registry
//   is back the waiting cut lands with no new push;
// - the Git server down: the same for the source, and releases from the
//   registry still run (a rollback through the API);
// - o1's apiserver killed in the middle of a release: c1 is unaffected, and
//   when o1 answers again it is recovered to one whole version and then
//   takes the version it was interrupted in.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo, git, startGitServer } from '../fixtures/testenv/git-server.ts';
import {
  type ClusterInfo,
  kubeconfigDoc,
  kubectl,
  type SharedSecrets,
  startApiserver,
  startCluster,
  startEtcd,
  writeSharedSecrets,
} from '../fixtures/testenv/kube.ts';
import { type ManagedProcess, stopProcesses } from '../fixtures/testenv/process.ts';
import { startRegistry } from '../fixtures/testenv/registry.ts';
import { type Daemon, startDaemon } from '../fixtures/testenv/serve-daemon.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../fixtures/testenv/use-env.ts';
import { signGenericWebhook } from './verify-webhook.ts';

const execFileP = promisify(execFile);
const cli = join(import.meta.dirname, '..', 'cmd', 'drover.ts');
const env = testEnv();
const c1 = env.clusters[0]!;
const dir = mkdtempSync(join(tmpdir(), 'drover-outage-'));
const ns = uniqueName('outage');
const web = uniqueName('web');
const big = uniqueName('big');
const token = `tok-${uniqueName('api')}`;
const secret = `whs-${uniqueName('hook')}`;
const BIG_COUNT = 200;
const procs: ManagedProcess[] = [];
let registry: { proc: ManagedProcess; port: number; host: string };
let gitServer: { proc: ManagedProcess; port: number };
let o1: ClusterInfo;
let o1Api: ManagedProcess;
let etcdUrl: string;
let secrets: SharedSecrets;
let repoUrl: string;
let work: string;
let daemon: Daemon;
let dropNs: () => Promise<void>;

const bundleDoc = (name: string, root: string) =>
  stringify({
    apiVersion: 'drover.dev/v1alpha1',
    kind: 'Bundle',
    metadata: { name },
    spec: {
      namespace: ns,
      roots: [{ kind: 'Deployment', name: root }],
      include: [{ kind: 'ConfigMap', labels: { part: root } }],
      lint: { 'single-replica-without-pdb': 'off' },
    },
  });
const deployment = (name: string) =>
  stringify({
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
              name,
              image: `registry.invalid/${name}:1`,
              readinessProbe: { httpGet: { path: '/', port: 80 } },
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
        },
      },
    },
  });
function tree({ level, bigVersion }: { level: string; bigVersion: number }): Record<string, string> {
  return {
    'web.yaml': [
      bundleDoc(web, 'web'),
      deployment('web'),
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'web-config', namespace: ns, labels: { part: 'web' } },
        data: { LOG_LEVEL: level },
      }),
    ].join('---\n'),
    'big.yaml': [
      bundleDoc(big, 'big'),
      deployment('big'),
      ...Array.from({ length: BIG_COUNT }, (_, i) =>
        stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `big-${i}`, namespace: ns, labels: { part: 'big' } },
          data: { v: String(bigVersion) },
        }),
      ),
    ].join('---\n'),
  };
}

async function push(t: Record<string, string>, message: string) {
  for (const [p, text] of Object.entries(t)) writeFileSync(join(work, p), text);
  await git(work, ['add', '-A']);
  await git(work, ['commit', '--quiet', '-m', message]);
  await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
}

let hooks = 0;
const hook = async () => {
  // `sent` keeps two deliveries in one second from being one replayed delivery.
  const body = JSON.stringify({ url: repoUrl, branch: 'main', sent: ++hooks });
  return (
    await fetch(`${daemon.base()}/hooks/generic`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...signGenericWebhook({ secret, body, nowMs: Date.now() }) },
    })
  ).status;
};
const runs = async (bundle: string, environment: string) => {
  const r = await daemon.api(`/api/v1/bundles/${bundle}`);
  return r.status === 200
    ? ((r.json as { environments: { name: string; runs: string | null }[] }).environments.find(
        (e) => e.name === environment,
      )?.runs ?? undefined)
    : undefined;
};
const dependency = async (kind: string) =>
  (
    (await daemon.api('/api/v1/daemon')).json as {
      dependencies: { kind: string; name: string; up: boolean; error?: string }[];
    }
  ).dependencies.filter((d) => d.kind === kind);
const onO1 = (args: string[]) => kubectl(env.bin, o1.kubeconfig, args);
const onC1 = (args: string[]) => kubectlOn(env, c1, args);
const inventory = async (run: (args: string[]) => Promise<string>, bundle: string) => {
  const cm = JSON.parse(
    await run(['get', 'configmap', `inventory-${bundle}`, '-n', 'drover-system', '-o', 'json']),
  ) as { data: { current: string; pending: string } };
  return {
    current: JSON.parse(cm.data.current) as { version: string; members: unknown[] } | null,
    pending: JSON.parse(cm.data.pending) as unknown,
  };
};
const bigValues = async (run: (args: string[]) => Promise<string>) =>
  (await run(['get', 'configmap', '-n', ns, '-l', 'part=big', '-o', 'jsonpath={.items[*].data.v}']))
    .trim()
    .split(/\s+/)
    .filter(Boolean);
const port = (url: string) => Number(new URL(url).port);

beforeAll(async () => {
  const reg = await startRegistry(dir, 'registry');
  registry = { proc: reg.proc, port: port(reg.info.url), host: reg.info.host };
  procs.push(reg.proc);
  const gs = await startGitServer(dir, 'u:p');
  gitServer = { proc: gs.proc, port: port(gs.info.url) };
  procs.push(gs.proc);
  const etcd = await startEtcd(env.bin, dir);
  procs.push(etcd.proc);
  etcdUrl = etcd.url;
  secrets = writeSharedSecrets(dir, `outage-${uniqueName('t')}`);
  const c = await startCluster({ bin: env.bin, name: 'o1', index: 20, dir, etcdUrl, secrets });
  procs.push(...c.procs);
  o1 = c.info;
  o1Api = c.procs[0]!;
  dropNs = await createNamespace(env, ns, [c1]);
  await onO1(['create', 'namespace', ns]);

  const seed = join(dir, 'seed');
  mkdirSync(seed);
  for (const [p, text] of Object.entries(tree({ level: 'info', bigVersion: 1 }))) writeFileSync(join(seed, p), text);
  repoUrl = await createRepo(gs.info, { name: uniqueName('outage'), fixtureDir: seed });
  work = join(dir, 'work');
  await git(dir, ['clone', '--quiet', repoUrl, work]);

  const ws = join(dir, 'ws');
  mkdirSync(ws);
  const kubeconfig = join(ws, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    stringify(
      kubeconfigDoc(
        [c1, o1].map((x) => ({ name: x.name, server: x.server, ca: readFileSync(x.caFile, 'utf8'), token: x.token })),
        'c1',
      ),
    ),
    { mode: 0o600 },
  );
  writeFileSync(
    join(ws, 'drover.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      // Woken by webhooks and retries only, never by the schedule.
      sources: [{ name: 'apps', url: repoUrl, schedule: '0 0 1 1 *' }],
      registry: `oci://${registry.host}/outage`,
      kubeconfig,
      clusters: [{ name: 'c1' }, { name: 'o1' }],
      environments: [
        { name: 'dev', clusters: ['c1'], timeoutSeconds: 120 },
        { name: 'edge', clusters: ['o1'], timeoutSeconds: 120, promotion: { mode: 'auto', healthyForSeconds: 0 } },
      ],
      drift: { selfHeal: 'off' },
    }),
  );
  // Debug logs carry each object's apply, which the apiserver test stops o1 at.
  daemon = await startDaemon({
    config: join(ws, 'drover.yaml'),
    cwd: ws,
    env: { DROVER_API_TOKEN: token, DROVER_GENERIC_WEBHOOK_SECRET: secret },
    token,
    args: ['--log-level', 'debug'],
  });
  for (const b of [web, big])
    for (const e of ['dev', 'edge'])
      await daemon.until(`${b}@1.0.0 in ${e}`, async () => (await runs(b, e)) === '1.0.0', 150_000);
}, 400_000);

afterAll(async () => {
  await daemon?.kill();
  await stopProcesses([...procs].reverse());
  await dropNs?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('outages under drover serve', () => {
  it('registry down: nothing is deleted, the cut retries with backoff, ready stays 200 and the registry is reported unreachable; back, the cut lands', async () => {
    await stopProcesses([registry.proc]);
    await daemon.until('drover_registry_up 0', async () => (await daemon.metric('drover_registry_up')) === 0, 30_000);
    expect((await dependency('registry'))[0]).toMatchObject({
      up: false,
      error: expect.stringMatching(/127\.0\.0\.1/),
    });

    await push(tree({ level: 'debug', bigVersion: 1 }), 'web: debug');
    expect(await hook()).toBe(202);
    // The cut fails at the push and is tried again with backoff (1 s, 2 s, ...), not once and forgotten.
    await daemon.until(
      'the cut retried',
      async () => ((await daemon.metric('drover_task_errors_total{key="source:apps"}')) ?? 0) >= 2,
      60_000,
    );
    const retries = daemon.lines
      .filter((l) => l.key === 'source:apps' && typeof l.attempt === 'number')
      .map((l) => l.attempt as number);
    expect(Math.max(...retries)).toBeGreaterThanOrEqual(2);
    expect((await fetch(`${daemon.base()}/readyz`)).status).toBe(200);
    // The daemon still answers from the clusters, and nothing left them.
    const status = (await daemon.api('/api/v1/status')).json as {
      bundle: string;
      cluster: string;
      running: string;
      health: string;
    }[];
    expect(
      status
        .filter((r) => r.bundle === web)
        .map((r) => [r.cluster, r.running, r.health])
        .sort(),
    ).toEqual([
      ['c1', '1.0.0', 'Current'],
      ['o1', '1.0.0', 'Current'],
    ]);
    expect((await onC1(['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LOG_LEVEL}'])).trim()).toBe(
      'info',
    );
    expect((await inventory(onC1, web)).current?.version).toBe('1.0.0');
    // The CLI says so too (the daemon holds no lock the CLI needs to read).
    const cliStatus = await execFileP(process.execPath, [cli, 'status', '--journal-only'], { cwd: join(dir, 'ws') });
    expect(cliStatus.stdout).toMatch(
      new RegExp(
        `^warning: registry oci://${registry.host}/outage is unreachable \\(.*\\): nothing can be cut, deployed or rolled back until it answers$`,
        'm',
      ),
    );

    const again = await startRegistry(dir, 'registry', { port: registry.port });
    procs.push(again.proc);
    registry.proc = again.proc;
    // No new push: the cut that waited lands once the registry answers, and the version rolls out.
    await daemon.until(`${web}@1.0.1 in dev`, async () => (await runs(web, 'dev')) === '1.0.1', 120_000);
    expect(await daemon.metric('drover_registry_up')).toBe(1);
    expect(
      daemon.lines.some(
        (l) => typeof l.msg === 'string' && l.msg.startsWith(`registry oci://${registry.host}/outage answers again`),
      ),
    ).toBe(true);
    expect((await onC1(['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LOG_LEVEL}'])).trim()).toBe(
      'debug',
    );
    await daemon.until(`${web}@1.0.1 in edge`, async () => (await runs(web, 'edge')) === '1.0.1', 120_000);
  });

  it('Git server down: the source is reported unreachable and retried, ready stays 200, and releases from the registry still run', async () => {
    await stopProcesses([gitServer.proc]);
    expect(await hook()).toBe(202);
    await daemon.until(
      'drover_source_up 0',
      async () => (await daemon.metric('drover_source_up{source="apps"}')) === 0,
      30_000,
    );
    expect((await dependency('git'))[0]).toMatchObject({
      name: 'apps',
      up: false,
      error: expect.stringMatching(/fetch failed|ECONNREFUSED/),
    });
    expect((await fetch(`${daemon.base()}/readyz`)).status).toBe(200);
    const before = (await daemon.metric('drover_task_errors_total{key="source:apps"}')) ?? 0;
    await daemon.until(
      'the fetch retried',
      async () => ((await daemon.metric('drover_task_errors_total{key="source:apps"}')) ?? 0) > before,
      30_000,
    );
    // Failed again and again: /readyz names it in its body, and stays 200.
    await daemon.until(
      'readyz names the failing source',
      async () => {
        const r = await fetch(`${daemon.base()}/readyz`);
        const body = (await r.json()) as { failing: { task: string; attempts: number; error: string }[] };
        return r.status === 200 && body.failing.some((f) => f.task === 'source:apps' && f.attempts >= 3);
      },
      90_000,
    );

    // Versions already in the registry still deploy: roll dev back to 1.0.0 through the API.
    const rollback = await fetch(`${daemon.base()}/api/v1/rollback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ bundle: web, environment: 'dev', to: '1.0.0' }),
    });
    expect(rollback.status).toBe(200);
    expect((await onC1(['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LOG_LEVEL}'])).trim()).toBe(
      'info',
    );

    const again = await startGitServer(dir, 'u:p', { port: gitServer.port });
    procs.push(again.proc);
    gitServer.proc = again.proc;
    expect(await hook()).toBe(202);
    await daemon.until(
      'drover_source_up 1',
      async () => (await daemon.metric('drover_source_up{source="apps"}')) === 1,
      60_000,
    );
    expect((await dependency('git'))[0]).toMatchObject({ up: true });
  });

  it('an apiserver killed in the middle of a release: c1 is unaffected, and o1 is recovered to one whole version when it comes back', async () => {
    const mark = daemon.lines.length;
    await push(tree({ level: 'debug', bigVersion: 2 }), 'big: v2');
    expect(await hook()).toBe(202);
    // The promotion to edge starts on its own; o1's apiserver is killed the moment its 20th object of 1.0.1 is written.
    const applied = await daemon.line(
      (l) =>
        l.phase === 'apply' && l.subject === 'o1' && l.bundle === big && typeof l.done === 'number' && l.done >= 20,
      { after: mark },
    );
    process.kill(-o1Api.pid, 'SIGKILL');
    await stopProcesses([o1Api]);
    expect(applied.total).toBeGreaterThan(20);
    await daemon.until(
      'o1 reported unreachable',
      async () => (await daemon.metric('drover_cluster_up{cluster="o1"}')) === 0,
      60_000,
    );

    // c1, in another environment, runs 1.0.1 whole and healthy throughout.
    expect(await runs(big, 'dev')).toBe('1.0.1');
    expect((await inventory(onC1, big)).current?.version).toBe('1.0.1');
    expect(new Set(await bigValues(onC1))).toEqual(new Set(['2']));
    const interrupted = (
      (await daemon.api(`/api/v1/releases?bundle=${big}&cluster=o1`)).json as { version: string; state: string }[]
    )[0]!;
    expect(interrupted).toMatchObject({ version: '1.0.1', state: 'rolling-back' });

    o1Api = await startApiserver({
      bin: env.bin,
      name: 'o1',
      index: 20,
      dir: join(dir, 'o1'),
      etcdUrl,
      secrets,
      port: port(o1.server),
    });
    procs.push(o1Api);
    await daemon.until(
      'o1 answers again',
      async () => (await daemon.metric('drover_cluster_up{cluster="o1"}')) === 1,
      60_000,
    );
    await daemon.until(`${big}@1.0.1 in edge`, async () => (await runs(big, 'edge')) === '1.0.1', 150_000);
    const inv = await inventory(onO1, big);
    expect(inv).toMatchObject({ current: { version: '1.0.1' }, pending: null });
    expect(await bigValues(onO1)).toEqual(Array.from({ length: BIG_COUNT }, () => '2'));
    // The interrupted release was finished by restoring 1.0.0 whole, then 1.0.1 was released again from a clean start.
    const o1Releases = (
      (await daemon.api(`/api/v1/releases?bundle=${big}&cluster=o1&steps=true`)).json as {
        id: number;
        version: string;
        state: string;
        steps: { state: string; message: string }[];
      }[]
    ).filter((r) => r.version === '1.0.1');
    expect(o1Releases.map((r) => r.state)).toEqual(['succeeded', 'rolled-back']);
    expect(o1Releases[1]!.steps.some((s) => s.state === 'rolling-back' && s.message.includes('is unreachable'))).toBe(
      true,
    );
    expect(o1Releases[1]!.steps.at(-1)!.message).toMatch(new RegExp(`${big}@1\\.0\\.0 restored on o1`));
    const unfinished = ((await daemon.api(`/api/v1/releases?bundle=${big}`)).json as { state: string }[]).filter(
      (r) => !['succeeded', 'rolled-back', 'rollback-failed'].includes(r.state),
    );
    expect(unfinished).toEqual([]);
  });
});
