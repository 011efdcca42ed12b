// `drover agent` (issue #15, first part), end to end with real processes: the
// hub (`drover serve`) knows c2 (push) and c3 only as an agent cluster (its
// kubeconfig holds no credentials for c3); the agent process has only c3's
// kubeconfig and the registry. Environment edge: wave 1 = c3 (the agent, the
// canary), wave 2 = c2.
// - a git push (webhook) reaches c3 through the tags: edge.w1 moves, the
//   agent releases it and reports through the registry, then c2 is released
//   and edge moves last; `drover status` shows c3 from its agent's status.
// - a crash-looping version is rolled back whole on c3 by the agent; the hub
//   sees the report, puts edge.w1 back, and c2's wave tag never moves.
// - the agent killed with SIGKILL mid-release (a version that never becomes
//   ready) and restarted, once with its state directory kept and once wiped:
//   both times c3 ends on one whole version, nothing pending, no lease.
// - the registry stopped for several poll intervals and restarted: nothing
//   deleted on c3, the agent says so and resumes (a later push reaches c3).
// - drift heal per policy, the policy coming only through the index: an
//   agent of its own (another registry prefix, no daemon: `drover deploy`
//   lists two bundles, one `heal`, one `report`); both edited with kubectl
//   on c3: the first is put back by the agent, the second only reported,
//   and both statuses say so.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { signWebhookBody } from '../../http/verify-webhook.ts';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { droverCli } from '../../fixtures/testenv/drover-cli.ts';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { type ManagedProcess, stopProcesses } from '../../fixtures/testenv/process.ts';
import { startRegistry } from '../../fixtures/testenv/registry.ts';
import { orasCli } from '../../fixtures/testenv/oras.ts';
import { type Daemon, startDaemon } from '../../fixtures/testenv/serve-daemon.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { activeLeases } from '../state/leases.ts';
import { openState } from '../state/open.ts';
import { unfinishedReleases } from '../state/releases.ts';
import { type AgentProcess, startAgentProcess } from './testdata/agent-process.ts';

const env = testEnv();
const [, c2, c3] = env.clusters as [
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
];
const scratch = mkdtempSync(join(tmpdir(), 'drover-agent-'));
const ns = uniqueName('agent');
const prefix = uniqueName('agent');
const web = uniqueName('web');
const token = `tok-${uniqueName('api')}-${uniqueName('x')}`;
const secret = `whs-${uniqueName('hook')}-${uniqueName('y')}`;
const FAIL_LABEL = 'pod-container-running-failed.stage.kwok.x-k8s.io';
const oras = orasCli(scratch);
// Its own registry, so the outage test can stop it without touching other tests.
let registry: { proc: ManagedProcess; host: string; port: number };
const tagDigest = async (tag: string) =>
  (await oras(['resolve', '--plain-http', `${registry.host}/${prefix}/${web}:${tag}`]).catch(() => '')).trim();
let url: string;
let work: string;
let ws: string;
let drop: () => Promise<void>;
let daemon: Daemon | undefined;
let agent: AgentProcess | undefined;

function writeApp(
  dir: string,
  { level, failing = false, stuck = false }: { level: string; failing?: boolean; stuck?: boolean },
): void {
  mkdirSync(join(dir, 'apps'), { recursive: true });
  const docs = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: web },
      spec: { roots: [{ kind: 'Deployment', namespace: ns, name: 'web' }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: ns }, data: { LEVEL: level } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web', ...(failing ? { [FAIL_LABEL]: 'true' } : {}) } },
          spec: {
            ...(stuck ? { nodeSelector: { 'drover.dev/nowhere': 'true' } } : {}),
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
  writeFileSync(join(dir, 'apps', 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
}

async function pushAndHook(
  message: string,
  spec: { level: string; failing?: boolean; stuck?: boolean },
): Promise<void> {
  writeApp(work, spec);
  await git(work, ['add', '-A']);
  await git(work, ['commit', '--quiet', '-m', message]);
  await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
  const after = (await git(work, ['rev-parse', 'HEAD'])).trim();
  const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { clone_url: url } });
  const r = await fetch(`${daemon!.base()}/hooks/github`, {
    method: 'POST',
    body,
    headers: { 'x-github-event': 'push', 'x-hub-signature-256': signWebhookBody({ secret, body }) },
  });
  expect(r.status).toBe(202);
}

function startAgent(stateDir: string, registryPrefix = prefix): Promise<NonNullable<typeof agent>> {
  return startAgentProcess({
    cwd: scratch,
    registry: `oci://${registry.host}/${registryPrefix}`,
    cluster: c3,
    stateDir,
    args: ['--timeout-seconds', '15'],
  });
}

const inventoryOf = async (c: typeof c2) => {
  const out = await kubectlOn(env, c, [
    'get',
    'configmap',
    `inventory-${web}`,
    '-n',
    'drover-system',
    '-o',
    'json',
  ]).catch(() => '');
  if (!out) return undefined;
  const inv = JSON.parse(out) as { data: { current: string; pending: string } };
  return {
    current: (JSON.parse(inv.data.current) as { version: string } | null)?.version,
    pending: JSON.parse(inv.data.pending) as unknown,
  };
};

beforeAll(async () => {
  const reg = await startRegistry(scratch, 'agent-registry');
  registry = { proc: reg.proc, host: reg.info.host, port: Number(reg.info.host.split(':')[1]) };
  drop = await createNamespace(env, ns);
  const seed = join(scratch, 'seed');
  writeApp(seed, { level: 'one' });
  url = await createRepo(env.git, { name: uniqueName('agent'), fixtureDir: seed });
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  ws = join(scratch, 'hub');
  mkdirSync(ws);
  writeTestConfig(env, ws, {
    sources: [{ name: 'apps', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${registry.host}/${prefix}`,
    // The hub's kubeconfig holds c2 only; c3 is reached through the registry.
    kubeconfig: c2.kubeconfig,
    clusters: [c2],
    agentClusters: ['c3'],
    environments: [
      {
        name: 'edge',
        clusters: ['c3', 'c2'],
        waves: [{ clusters: ['c3'] }, { clusters: ['c2'] }],
        timeoutSeconds: 120,
      },
    ],
  });
  agent = await startAgent(join(scratch, 'agent-state'));
  daemon = await startDaemon({
    config: join(ws, 'drover.yaml'),
    cwd: ws,
    env: { DROVER_API_TOKEN: token, DROVER_WEBHOOK_SECRET: secret },
    token,
  });
}, 120_000);

afterAll(async () => {
  agent?.proc.kill('SIGKILL');
  await daemon?.kill();
  await stopProcesses([registry.proc]);
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('drover agent', () => {
  it('a git push reaches c3 through the tags, c3 reports through the registry, and edge moves last', async () => {
    const d = daemon!;
    // At start serve cuts 1.0.0 and deploys it to edge: edge.w1 -> the agent on c3 -> edge.w2 -> c2 -> edge.
    await d.until(
      '1.0.0 on c3 and c2',
      async () => (await inventoryOf(c3))?.current === '1.0.0' && (await inventoryOf(c2))?.current === '1.0.0',
      120_000,
    );
    await pushAndHook('fix: web logs at level two', { level: 'two' });
    await d.until(
      '1.0.1 on c3 and c2',
      async () => (await inventoryOf(c3))?.current === '1.0.1' && (await inventoryOf(c2))?.current === '1.0.1',
      120_000,
    );
    for (const c of [c2, c3])
      expect(
        (await kubectlOn(env, c, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LEVEL}'])).trim(),
      ).toBe('two');
    const v101 = await tagDigest('1.0.1');
    await d.until('edge tag on 1.0.1', async () => (await tagDigest('edge')) === v101);
    expect([await tagDigest('edge.w1'), await tagDigest('edge.w2')]).toEqual([v101, v101]);
    // The agent said it through the registry, and the hub read it there.
    expect(agent!.lines.some((l) => String(l.msg).startsWith(`${web}@1.0.1: healthy`))).toBe(true);
    const status = await droverCli(ws)(['status']);
    const row = status.json.find((r: { bundle: string; cluster: string }) => r.bundle === web && r.cluster === 'c3');
    expect(row).toMatchObject({
      running: '1.0.1',
      environment: 'edge',
      agent: { state: 'succeeded', desired: v101 },
      health: 'Current',
    });
    // The hub never had c3's credentials: its kubeconfig has no c3 context.
    expect(readFileSync(c2.kubeconfig, 'utf8')).not.toContain(c3.server);
  });

  it('a crash-looping version is rolled back whole on c3 by the agent, and c2 and its wave tag never move', async () => {
    const d = daemon!;
    const v101 = await tagDigest('1.0.1');
    const mark = agent!.lines.length;
    await pushAndHook('fix: web crash-loops', { level: 'three', failing: true });
    await d.until(
      'the agent reports 1.0.2 rolled back',
      async () =>
        agent!.lines.slice(mark).some((l) => String(l.msg).startsWith(`${web}@1.0.2 failed and was rolled back whole`)),
      180_000,
    );
    // The hub reads the report, puts edge.w1 back, and stops: c2 is never released, edge.w2 and edge never move.
    await d.until('edge.w1 back on 1.0.1', async () => (await tagDigest('edge.w1')) === v101, 60_000);
    const releases = (await d.api(`/api/v1/releases?bundle=${web}&limit=100`)).json as {
      cluster: string;
      version: string;
      state: string;
    }[];
    await d.until('1.0.2 quarantined in edge', async () =>
      ((await d.api(`/api/v1/quarantine?bundle=${web}`)).json as { version: string }[]).some(
        (q) => q.version === '1.0.2',
      ),
    );
    expect(releases.filter((r) => r.version === '1.0.2' && r.cluster === 'c2')).toEqual([]);
    expect([await tagDigest('edge.w2'), await tagDigest('edge')]).toEqual([v101, v101]);
    for (const c of [c3, c2]) {
      expect(await inventoryOf(c)).toEqual({ current: '1.0.1', pending: null });
      expect(
        (await kubectlOn(env, c, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LEVEL}'])).trim(),
      ).toBe('two');
      expect(await kubectlOn(env, c, ['get', 'pods', '-n', ns, '-l', FAIL_LABEL, '-o', 'name'])).toBe('');
    }
  });

  for (const cache of ['kept', 'wiped'] as const) {
    it(`killed with SIGKILL mid-release and restarted with its state ${cache}: c3 ends on one whole version, nothing pending, no lease`, async () => {
      const d = daemon!;
      const stateDir = join(scratch, 'agent-state');
      await pushAndHook(`fix: web never ready (${cache})`, { level: `stuck-${cache}`, stuck: true });
      // Mid-release: the inventory records the release in flight.
      await d.until('c3 has a release in flight', async () => Boolean((await inventoryOf(c3))?.pending), 120_000);
      agent!.proc.kill('SIGKILL');
      await new Promise((r) => agent!.proc.once('exit', r));
      if (cache === 'wiped') rmSync(stateDir, { recursive: true, force: true });
      agent = await startAgent(stateDir);
      await d.until(
        'the restarted agent reports the stuck version rolled back',
        async () => agent!.lines.some((l) => / failed and was rolled back whole$/.test(String(l.msg))),
        120_000,
      );
      expect(await inventoryOf(c3)).toEqual({ current: '1.0.1', pending: null });
      expect(
        (await kubectlOn(env, c3, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LEVEL}'])).trim(),
      ).toBe('two');
      expect(
        (
          await kubectlOn(env, c3, [
            'get',
            'deployment',
            'web',
            '-n',
            ns,
            '-o',
            'jsonpath={.spec.template.spec.nodeSelector}',
          ])
        ).trim(),
      ).toBe('');
      if (cache === 'kept') {
        const db = openState({ path: join(stateDir, 'agent.db') });
        try {
          expect(unfinishedReleases(db)).toEqual([]);
          expect(activeLeases(db, Date.now())).toEqual([]);
        } finally {
          db.close();
        }
      }
      // The hub saw the report and stopped: c2 still on 1.0.1, its wave tag unmoved.
      await d.until(
        'edge.w1 back on 1.0.1',
        async () => (await tagDigest('edge.w1')) === (await tagDigest('1.0.1')),
        60_000,
      );
      expect(await inventoryOf(c2)).toEqual({ current: '1.0.1', pending: null });
      expect(await tagDigest('edge.w2')).toBe(await tagDigest('1.0.1'));
    });
  }

  it('the registry stopped for several poll intervals: nothing deleted on c3, the agent says so and resumes', async () => {
    const d = daemon!;
    const mark = agent!.lines.length;
    await stopProcesses([registry.proc]);
    await d.until(
      'the agent notices',
      async () => agent!.lines.slice(mark).some((l) => String(l.msg).startsWith('registry not readable')),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 4_000));
    // Said once, and nothing of c3 was touched.
    expect(agent!.lines.slice(mark).filter((l) => String(l.msg).startsWith('registry not readable'))).toHaveLength(1);
    expect(await inventoryOf(c3)).toEqual({ current: '1.0.1', pending: null });
    expect(
      (await kubectlOn(env, c3, ['get', 'deployment,configmap', '-n', ns, '-o', 'name']))
        .split('\n')
        .filter(Boolean)
        .sort(),
    ).toEqual(['configmap/kube-root-ca.crt', 'configmap/web-config', 'deployment.apps/web']);
    const again = await startRegistry(scratch, 'agent-registry', { port: registry.port });
    registry.proc = again.proc;
    await d.until(
      'the agent resumes',
      async () => agent!.lines.slice(mark).some((l) => l.msg === 'registry answers again: resuming'),
      30_000,
    );
    // Its statuses say when the registry was away (a later status may replace them as soon as the hub acts again).
    await d.until(
      'the outage reported',
      async () =>
        agent!.lines
          .slice(mark)
          .some(
            (l) =>
              String(l.msg).startsWith('reported the registry outage in 1 status') &&
              (l.bundles as string[]).includes(web),
          ),
      30_000,
    );
    // And it follows again: the next push reaches c3.
    await pushAndHook('fix: web logs at level five', { level: 'five' });
    await d.until(
      '1.0.x with level five on c3',
      async () =>
        (
          await kubectlOn(env, c3, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LEVEL}'])
        ).trim() === 'five',
      120_000,
    );
  });

  it('drover retire reaches c3 through the registry: its agent removes what its inventory owns, and says so', async () => {
    const d = daemon!;
    // The Bundle document leaves Git: serve cuts, marks it left, and holds it.
    rmSync(join(work, 'apps', 'web.yaml'));
    await git(work, ['add', '-A']);
    await git(work, ['commit', '--quiet', '-m', 'web is gone']);
    await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
    const after = (await git(work, ['rev-parse', 'HEAD'])).trim();
    const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { clone_url: url } });
    await fetch(`${d.base()}/hooks/github`, {
      method: 'POST',
      body,
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': signWebhookBody({ secret, body }) },
    });
    await d.until('web left its source', async () =>
      Boolean(((await d.api(`/api/v1/bundles/${web}`)).json as { left?: unknown }).left),
    );
    const r = await droverCli(ws)(['retire', web, '--env', 'edge', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.clusters.map((c: { cluster: string; state: string }) => [c.cluster, c.state]).sort()).toEqual([
      ['c2', 'retired'],
      ['c3', 'retired'],
    ]);
    for (const c of [c2, c3]) {
      expect(await inventoryOf(c)).toBeUndefined();
      expect(
        (await kubectlOn(env, c, ['get', 'deployment,configmap', '-n', ns, '-o', 'name'])).split('\n').filter(Boolean),
      ).toEqual(['configmap/kube-root-ca.crt']);
    }
    expect(agent!.lines.some((l) => l.msg === `${web} retired from c3`)).toBe(true);
    const s = await droverCli(ws)(['status']);
    expect(
      s.json.find((x: { bundle: string; cluster: string }) => x.bundle === web && x.cluster === 'c3'),
    ).toMatchObject({ running: null, agent: { state: 'retired' } });
  });
});

describe('drover agent: drift on its cluster, per the policy the index carries', () => {
  const id = uniqueName('d');
  const dns = uniqueName('drift');
  const healing = uniqueName('heal');
  const reporting = uniqueName('report');
  const dprefix = uniqueName('drift');
  let hub: string;
  let dagent: NonNullable<typeof agent> | undefined;
  let dropNs: (() => Promise<void>) | undefined;
  const configOf = async (name: string) =>
    (await kubectlOn(env, c3, ['get', 'configmap', `${name}-config`, '-n', dns, '-o', 'jsonpath={.data.NAME}'])).trim();
  const statusOf = async (bundle: string) =>
    (await droverCli(hub)(['status'])).json.find(
      (r: { bundle: string; cluster: string }) => r.bundle === bundle && r.cluster === 'c3',
    ) as
      | {
          drift: number;
          agent: {
            state: string;
            drift?: { policy: string; open: number; heals: number; lastHeal: { outcome: string } | null };
          };
        }
      | undefined;
  const until = async (what: string, check: () => Promise<boolean>, ms = 60_000) => {
    for (const end = Date.now() + ms; !(await check());) {
      if (Date.now() > end)
        throw new Error(
          `timed out waiting for ${what}; agent said:\n${dagent!.lines
            .slice(-30)
            .map((l) => JSON.stringify(l))
            .join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  beforeAll(async () => {
    dropNs = await createNamespace(env, dns);
    const seed = join(scratch, `seed-${id}`);
    mkdirSync(seed);
    for (const name of [healing, reporting]) {
      const docs = [
        {
          apiVersion: 'drover.dev/v1alpha1',
          kind: 'Bundle',
          metadata: { name },
          spec: { namespace: dns, roots: [{ kind: 'Deployment', name }] },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `${name}-config`, namespace: dns },
          data: { NAME: name },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, namespace: dns },
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
    const durl = await createRepo(env.git, { name: uniqueName('drift'), fixtureDir: seed });
    hub = join(scratch, `hub-${id}`);
    mkdirSync(hub);
    // drover.yaml's policies, which only the hub reads: the agent learns them from the index.
    writeTestConfig(env, hub, {
      sources: [{ name: 'apps', url: durl, schedule: '0 0 1 1 *' }],
      registry: `oci://${registry.host}/${dprefix}`,
      clusters: [],
      agentClusters: ['c3'],
      environments: [{ name: 'edge', clusters: ['c3'], timeoutSeconds: 120 }],
      drift: { selfHeal: 'report' },
      bundles: { [healing]: { selfHeal: 'heal' } },
    });
    const drover = droverCli(hub);
    expect((await drover(['cut'])).code).toBe(0);
    dagent = await startAgent(join(scratch, `agent-${id}`), dprefix);
    for (const name of [healing, reporting]) {
      const r = await drover(['deploy', `${name}@1.0.0`, '--env', 'edge']);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 240_000);

  afterAll(async () => {
    dagent?.proc.kill('SIGKILL');
    await dropNs?.();
  });

  it('heals a member edited on c3 when the policy is heal, only reports it when report, and says both in the statuses', async () => {
    const mark = dagent!.lines.length;
    for (const name of [healing, reporting])
      await kubectlOn(env, c3, [
        'patch',
        'configmap',
        `${name}-config`,
        '-n',
        dns,
        '--type',
        'merge',
        '-p',
        JSON.stringify({ data: { NAME: 'edited by hand' } }),
      ]);
    // heal: the agent re-applies what its inventory says runs.
    await until('the agent heals the edited ConfigMap', async () => (await configOf(healing)) === healing);
    await until(`the agent says it healed ${healing}`, async () =>
      dagent!.lines.slice(mark).some((l) => l.msg === `self-heal: ${healing}@1.0.0 re-applied on c3`),
    );
    await until(
      'the heal in its status',
      async () => (await statusOf(healing))?.agent.drift?.lastHeal?.outcome === 'healed',
    );
    expect(await statusOf(healing)).toMatchObject({
      drift: 0,
      agent: { state: 'succeeded', drift: { policy: 'heal', open: 0, heals: 1 } },
    });
    // report: found and said, never touched.
    await until('the drift reported in its status', async () => (await statusOf(reporting))?.agent.drift?.open === 1);
    expect(
      dagent!.lines
        .slice(mark)
        .some((l) => String(l.msg).startsWith(`drift opened: ConfigMap/${dns}/${reporting}-config on c3`)),
    ).toBe(true);
    expect(await statusOf(reporting)).toMatchObject({
      drift: 1,
      agent: { state: 'succeeded', drift: { policy: 'report', open: 1, heals: 0, lastHeal: null } },
    });
    expect(await configOf(reporting)).toBe('edited by hand');
    expect(dagent!.lines.slice(mark).some((l) => String(l.msg).startsWith(`self-heal: ${reporting}`))).toBe(false);
  });
});
