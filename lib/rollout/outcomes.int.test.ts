// A rollout's one outcome through every interface (issue 25), with real
// parts: the Git server, the registry (the shared one, and for the registry
// outage one this file starts and stops), the control planes, the spawned
// `drover` CLI, a running `drover serve` (its API, and its dashboard logged
// in with the API token), kubectl and the ORAS CLI. Each test has its own
// namespace, repository, registry prefix and bundle; `dev` (c1) is always
// first and runs the newest version, so serve's loop has nothing to do.
// - For each outcome a real case shows the CLI's exit code and `outcome`,
//   the API's status and `outcome`, and the dashboard's rollout page (badge
//   and sentence): healthy, a good version (0, 200, Healthy); rolled back, a
//   crash-looping version (7, 422, Rolled back); refused, a version naming a
//   ConfigMap someone made with kubectl (5, 409, Refused; nothing written);
//   not run, the environment's only cluster stopped answering (6, 503, Not
//   run; nothing changed); needs a person, a version failing at its progress
//   deadline while the registry goes away, so the environment's tag cannot
//   be put back (8, 500, Needs a person).
// - Not run where nothing ran before leaves no tag behind, and a serve
//   started while a cluster does not answer is ready and answers not-run.
// - A confirm page's plan that went stale (prod's tag moved with `oras tag`
//   after the page was shown) is refused on post, naming the tag's move; the
//   same through the API's plan id (409, reason Stale). Nothing is applied
//   and the tag stays where oras put it.
// - `drover promote --to prod --dry-run` prints the plan (the tag's move,
//   each cluster's change) and changes nothing: every tag of the bundle,
//   every prod object and the journal are as before.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parse, stringify } from 'yaml';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { type CliResult, droverCli } from '../../fixtures/testenv/drover-cli.ts';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { type ClusterInfo, kubeconfigDoc } from '../../fixtures/testenv/kube.ts';
import { appDeployment } from '../../fixtures/testenv/manifests.ts';
import { orasCli } from '../../fixtures/testenv/oras.ts';
import { type ManagedProcess, sleep, stopProcesses } from '../../fixtures/testenv/process.ts';
import { startRegistry } from '../../fixtures/testenv/registry.ts';
import { type Daemon, startDaemon } from '../../fixtures/testenv/serve-daemon.ts';
import { createNamespace, kubectlOn, objectSnapshot, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const env = testEnv();
const [c1, c2, c3] = env.clusters as [ClusterInfo, ClusterInfo, ClusterInfo];
const scratch = mkdtempSync(join(tmpdir(), 'drover-outcomes-'));
const oras = orasCli(scratch);
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  // Every cleanup runs, whichever fails: a process of this file is never left behind.
  const failed: unknown[] = [];
  for (const c of cleanups.reverse()) await c().catch((err: unknown) => failed.push(err));
  rmSync(scratch, { recursive: true, force: true });
  if (failed.length) throw new AggregateError(failed, 'cleanup failed');
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers: the shape depends on the route
type Json = any;

/**
 * One version of the app: a Deployment reading `configMap` (LEVEL). A
 * `failing` one crash-loops and fails at once; an `unschedulable` one
 * fails slowly, at its progress deadline, its pods asking for a node no
 * cluster has (so something can happen while it is being verified).
 */
interface AppSpec {
  level: string;
  failing?: boolean;
  unschedulable?: boolean;
  configMap?: string;
}

/** The node label an unschedulable version's pods ask for. */
const NOWHERE = 'drover.dev/outcomes-test-nowhere';

function writeApp(dir: string, { ns, web }: { ns: string; web: string }, spec: AppSpec): void {
  const { level, failing = false, unschedulable = false, configMap = 'web-config' } = spec;
  const app = appDeployment({ name: 'web', namespace: ns, configMap, failing });
  const template = unschedulable
    ? { ...app.spec.template, spec: { ...app.spec.template.spec, nodeSelector: { [NOWHERE]: 'true' } } }
    : app.spec.template;
  // A short progress deadline: a failing version fails in seconds.
  const deadline = failing || unschedulable ? { progressDeadlineSeconds: 10 } : {};
  const deployment = { ...app, spec: { ...app.spec, template, ...deadline } };
  const docs = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: web },
      spec: { roots: [{ kind: 'Deployment', namespace: ns, name: 'web' }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configMap, namespace: ns }, data: { LEVEL: level } },
    deployment,
  ];
  mkdirSync(join(dir, 'apps'), { recursive: true });
  writeFileSync(join(dir, 'apps', 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
}

/** drover.yaml's environments: dev (c1) first, then manual ones; each test plays in those. */
const dev = { name: 'dev', clusters: ['c1'], timeoutSeconds: 90 };
const manual = (name: string, clusters: string[], more: Record<string, unknown> = {}) => ({
  name,
  clusters,
  promotion: { mode: 'manual' },
  timeoutSeconds: 90,
  ...more,
});

interface StageOptions {
  name: string;
  environments: Record<string, unknown>[];
  /** drover.yaml's clusters (default c1, c2), and where the namespace is made (default the same). */
  clusters?: ClusterInfo[];
  namespaceIn?: ClusterInfo[];
  kubeconfig?: string;
  registryHost?: string;
  serve?: Record<string, unknown>;
}

/** One test's own namespace, Git repository, registry prefix, bundle and workspace, with 1.0.0 cut. */
interface Stage {
  ns: string;
  web: string;
  ws: string;
  drover: (args: string[], opts?: { json?: boolean }) => Promise<CliResult>;
  /** Commits the app as `spec`, pushes and cuts it: the new version. */
  cut: (spec: AppSpec) => Promise<string>;
  /** `drover deploy web@V --env E`, which must end healthy. */
  deploy: (version: string, environment: string) => Promise<void>;
  /** The digest a tag of the bundle's repository names (undefined: no such tag), read with ORAS. */
  tagDigest: (tag: string) => Promise<string | undefined>;
  /** Every tag of the bundle's repository and the digest it names, read with ORAS. */
  tags: () => Promise<Record<string, string>>;
  /** Points a tag at a digest with `oras tag`, as someone outside Drover would. */
  orasTag: (digest: string, tag: string) => Promise<void>;
  /** The first version's members as `Kind/ns/name`, and the bundle's inventory. */
  objects: () => string[];
  /** web-config's LEVEL on a cluster ('' when absent). */
  level: (cluster: ClusterInfo) => Promise<string>;
}

async function stage(opts: StageOptions, first: AppSpec): Promise<Stage> {
  const root = mkdtempSync(join(scratch, `${opts.name}-`));
  const names = { ns: uniqueName(opts.name), web: uniqueName('web') };
  const { ns, web } = names;
  const prefix = uniqueName(opts.name);
  const registryHost = opts.registryHost ?? env.registry.host;
  const repo = `${registryHost}/${prefix}/${web}`;
  const clusters = opts.clusters ?? [c1, c2];
  cleanups.push(await createNamespace(env, ns, opts.namespaceIn ?? clusters));
  const seed = join(root, 'seed');
  writeApp(seed, names, first);
  const url = await createRepo(env.git, { name: uniqueName(opts.name), fixtureDir: seed });
  const work = join(root, 'work');
  await git(root, ['clone', '--quiet', url, work]);
  const ws = join(root, 'ws');
  mkdirSync(ws);
  writeTestConfig(env, ws, {
    clusters,
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    // Never polled: the test cuts with the CLI.
    sources: [{ name: 'apps', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${registryHost}/${prefix}`,
    environments: opts.environments,
    ...(opts.serve ? { serve: opts.serve } : {}),
  });
  const drover = droverCli(ws);
  const cutHead = async () => {
    const r = await drover(['cut']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.cut).toHaveLength(1);
    return r.json.cut[0].version as string;
  };
  expect(await cutHead()).toBe('1.0.0');
  const tagDigest = (tag: string) =>
    oras(['resolve', '--plain-http', `${repo}:${tag}`]).then(
      (d) => d.trim(),
      () => undefined,
    );
  return {
    ns,
    web,
    ws,
    drover,
    cut: async (spec) => {
      writeApp(work, names, spec);
      await git(work, ['add', '-A']);
      await git(work, ['commit', '--quiet', '-m', `fix: web at level ${spec.level}`]);
      await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
      return cutHead();
    },
    deploy: async (version, environment) => {
      const r = await drover(['deploy', `${web}@${version}`, '--env', environment]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.json.outcome).toBe('healthy');
    },
    tagDigest,
    tags: async () => {
      const tags = (await oras(['repo', 'tags', '--plain-http', repo])).split('\n').filter(Boolean);
      return Object.fromEntries(await Promise.all(tags.map(async (t) => [t, await tagDigest(t)])));
    },
    orasTag: async (digest, tag) => {
      await oras(['tag', '--plain-http', `${repo}@${digest}`, tag]);
    },
    objects: () => [`ConfigMap/${ns}/web-config`, `Deployment/${ns}/web`, `ConfigMap/drover-system/inventory-${web}`],
    level: async (cluster) =>
      (
        await kubectlOn(env, cluster, [
          'get',
          'configmap',
          'web-config',
          '-n',
          ns,
          '--ignore-not-found',
          '-o',
          'jsonpath={.data.LEVEL}',
        ])
      ).trim(),
  };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_, e: string) => ENTITIES[e]!);
/** What a reader sees of some HTML: tags dropped, entities decoded, white space collapsed. */
const textOf = (html: string) =>
  decode(html.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();

/** `drover serve` on a stage's workspace, ready, with the API and a dashboard session (logged in with the API token). */
interface Served {
  daemon: Daemon;
  post: (path: string, body: unknown) => Promise<{ status: number; json: Json }>;
  /** A dashboard page with the session: status and HTML. */
  page: (path: string) => Promise<{ status: number; html: string }>;
  /** Posts a dashboard form with the session: status and HTML. */
  submit: (path: string, fields: Record<string, string>) => Promise<{ status: number; html: string }>;
  /** The rollout page of a version in an environment: its heading (with the badge) and its outcome sentence. */
  rolloutPage: (version: string, environment: string) => Promise<{ heading: string; outcome: string }>;
}

async function serve(s: Stage): Promise<Served> {
  const token = `tok-${uniqueName('api')}-${uniqueName('x')}`;
  const daemon = await startDaemon({ config: join(s.ws, 'drover.yaml'), cwd: s.ws, env: { DROVER_API_TOKEN: token } });
  cleanups.push(() => daemon.kill());
  const base = daemon.base();
  await daemon.until('serve ready (recovery done)', async () => (await fetch(`${base}/readyz`)).ok, 60_000);
  const login = await fetch(`${base}/ui/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, next: '/' }),
  });
  expect(login.status).toBe(303);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const page = async (path: string) => {
    const r = await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: r.status, html: await r.text() };
  };
  return {
    daemon,
    post: async (path, body) => {
      const r = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, json: await r.json() };
    },
    page,
    submit: async (path, fields) => {
      const r = await fetch(`${base}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
      });
      return { status: r.status, html: await r.text() };
    },
    rolloutPage: async (version, environment) => {
      const r = await page(`/ui/rollouts/${s.web}/${version}/${environment}`);
      expect(r.status, r.html).toBe(200);
      return {
        heading: textOf(/<h1>([\s\S]*?)<\/h1>/.exec(r.html)?.[1] ?? ''),
        outcome: textOf(/<p class="outcome [^"]*" role="status">([\s\S]*?)<\/p>/.exec(r.html)?.[1] ?? ''),
      };
    },
  };
}

/** The CLI's answer for an outcome: its exit code, `outcome` in its JSON, and the error beside it unless healthy. */
function expectCli(r: CliResult, code: number, outcome: string): void {
  expect(r.code, r.stdout + r.stderr).toBe(code);
  expect(r.json.outcome).toBe(outcome);
  if (outcome === 'healthy') expect(r.json.error).toBeUndefined();
  else expect(r.json.error.data.outcome).toBe(outcome);
}

/** The API's answer for an outcome: its status, `outcome` in its JSON, and the error beside it unless healthy. */
function expectApi(r: { status: number; json: Json }, status: number, outcome: string): void {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.json.outcome).toBe(outcome);
  if (outcome === 'healthy') expect(r.json.error).toBeUndefined();
  else expect(r.json.error.data.outcome).toBe(outcome);
}

/** Polls `f` until it returns something other than undefined or false. */
async function until<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Until the unschedulable Deployment has been applied on a cluster: the failing release is being verified. */
const untilUnschedulableApplied = (cluster: ClusterInfo, ns: string) =>
  until(`the unschedulable Deployment applied on ${cluster.name}`, async () =>
    (
      await kubectlOn(env, cluster, [
        'get',
        'deployment',
        'web',
        '-n',
        ns,
        '--ignore-not-found',
        '-o',
        'jsonpath={.spec.template.spec.nodeSelector}',
      ])
    ).includes(NOWHERE),
  );

/**
 * A cluster `edge` that is `target`'s API server reached through a loopback
 * port this test listens on, in a kubeconfig of its own (with every shared
 * cluster too); `stop()` closes the port, so edge's server is gone and
 * nothing listens where its context points.
 */
async function stoppableCluster(
  dir: string,
  target: ClusterInfo,
): Promise<{ info: ClusterInfo; kubeconfig: string; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const upstream = new URL(target.server);
  const server = createServer((inbound) => {
    const outbound = connect(Number(upstream.port), upstream.hostname);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const serverUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const edge = kubeconfigDoc(
    [{ name: 'edge', server: serverUrl, ca: readFileSync(target.caFile, 'utf8'), token: target.token }],
    'edge',
  );
  const merged = parse(readFileSync(env.kubeconfig, 'utf8')) as Record<string, unknown[]>;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    stringify({
      ...merged,
      clusters: [...merged.clusters!, ...edge.clusters],
      users: [...merged.users!, ...edge.users],
      contexts: [...merged.contexts!, ...edge.contexts],
    }),
    { mode: 0o600 },
  );
  const own = join(dir, 'edge.kubeconfig');
  writeFileSync(own, stringify(edge), { mode: 0o600 });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  cleanups.push(stop);
  return {
    info: { ...target, name: 'edge', context: 'edge', server: serverUrl, kubeconfig: own },
    kubeconfig,
    stop,
  };
}

/** A registry process of this test's own, on a fixed port so it can be stopped and started again with its storage; stopped when the test ends. */
async function ownRegistry(
  dir: string,
): Promise<{ host: string; stop: () => Promise<void>; start: () => Promise<void> }> {
  let { info, proc } = await startRegistry(dir, 'registry');
  let running: ManagedProcess | undefined = proc;
  const port = Number(info.host.split(':')[1]);
  const stop = async () => {
    if (running) await stopProcesses([running]);
    running = undefined;
  };
  onTestFinished(stop);
  cleanups.push(stop);
  return {
    host: info.host,
    stop,
    start: async () => {
      ({ info, proc } = await startRegistry(dir, 'registry', { port }));
      running = proc;
    },
  };
}

/** A stage whose environment `edge` has one cluster that never answered (nothing listens where its context points); dev runs 1.0.0. */
async function neverAnswering(name: string): Promise<Stage> {
  const gone = await stoppableCluster(mkdtempSync(join(scratch, `${name}-`)), c3);
  await gone.stop();
  const s = await stage(
    {
      name,
      clusters: [c1, gone.info],
      namespaceIn: [c1],
      kubeconfig: gone.kubeconfig,
      environments: [dev, manual('edge', ['edge'])],
    },
    { level: 'one' },
  );
  await s.deploy('1.0.0', 'dev');
  return s;
}

describe('one outcome, said by the CLI (exit code), the API (status) and the dashboard (badge and sentence)', () => {
  it('healthy: a good version: exit 0, 200, "Healthy"', async () => {
    const s = await stage({ name: 'ok', environments: [dev, manual('prod', ['c2'])] }, { level: 'one' });
    expect(await s.cut({ level: 'two' })).toBe('1.0.1');

    expectCli(await s.drover(['deploy', `${s.web}@1.0.1`, '--env', 'dev']), 0, 'healthy');
    expect(await s.level(c1)).toBe('two');

    const api = await serve(s);
    onTestFinished(() => api.daemon.kill());
    const r = await api.post('/api/v1/promote', { bundle: s.web, to: 'prod' });
    expectApi(r, 200, 'healthy');
    expect(r.json.version).toBe('1.0.1');
    expect(await s.level(c2)).toBe('two');
    expect(await s.tagDigest('prod')).toBe(await s.tagDigest('1.0.1'));

    for (const e of ['dev', 'prod'])
      expect(await api.rolloutPage('1.0.1', e)).toEqual({
        heading: `${s.web} 1.0.1 to ${e}: Healthy`,
        outcome: `${s.web}@1.0.1 in ${e} runs healthy on every cluster.`,
      });
  });

  it('rolled back: a crash-looping version: exit 7, 422, "Rolled back"; prod back on what it ran', async () => {
    const s = await stage({ name: 'rb', environments: [dev, manual('prod', ['c2'])] }, { level: 'one' });
    await s.deploy('1.0.0', 'prod');
    expect(await s.cut({ level: 'two', failing: true })).toBe('1.0.1');
    // The newest version is good and dev runs it: serve's loop leaves the failing one alone.
    expect(await s.cut({ level: 'three' })).toBe('1.0.2');
    await s.deploy('1.0.2', 'dev');
    const prodTag = await s.tagDigest('prod');
    expect(prodTag).toBe(await s.tagDigest('1.0.0'));
    const failedOnC2 = [
      expect.objectContaining({ cluster: 'c2', object: `Deployment/${s.ns}/web`, error: expect.anything() }),
    ];

    const cli = await s.drover(['deploy', `${s.web}@1.0.1`, '--env', 'prod']);
    expectCli(cli, 7, 'rolled-back');
    expect(cli.json.failures).toEqual(failedOnC2);
    expect(await s.level(c2)).toBe('one');
    expect(await s.tagDigest('prod')).toBe(prodTag);

    const api = await serve(s);
    onTestFinished(() => api.daemon.kill());
    const r = await api.post('/api/v1/deploy', { bundle: s.web, version: '1.0.1', environment: 'prod' });
    expectApi(r, 422, 'rolled-back');
    expect(r.json.failures).toEqual(failedOnC2);
    expect(await s.level(c2)).toBe('one');
    expect(await s.tagDigest('prod')).toBe(prodTag);

    const page = await api.rolloutPage('1.0.1', 'prod');
    expect(page.heading).toBe(`${s.web} 1.0.1 to prod: Rolled back`);
    expect(page.outcome).toContain(
      `${s.web}@1.0.1 in prod failed and every cluster is back on what it ran: c2 (Deployment/${s.ns}/web): `,
    );
  }, 300_000);

  it('refused: a version naming a ConfigMap someone made with kubectl: exit 5, 409, "Refused"; nothing written', async () => {
    const s = await stage({ name: 'ref', environments: [dev, manual('prod', ['c2'])] }, { level: 'one' });
    await s.deploy('1.0.0', 'prod');
    // 1.0.1 reads its settings from a new ConfigMap, web-settings, which someone already made by hand on c2.
    expect(await s.cut({ level: 'two', configMap: 'web-settings' })).toBe('1.0.1');
    await s.deploy('1.0.1', 'dev');
    await kubectlOn(env, c2, ['create', 'configmap', 'web-settings', '-n', s.ns, '--from-literal=BY_HAND=yes']);
    const refs = [...s.objects(), `ConfigMap/${s.ns}/web-settings`];
    const before = await objectSnapshot(env, c2, refs);
    for (const ref of refs) expect(before[ref], ref).toMatch(/^\S+ \d+$/);
    const prodTag = await s.tagDigest('prod');
    const foreign = [
      {
        cluster: 'c2',
        object: `ConfigMap/${s.ns}/web-settings`,
        error: expect.objectContaining({ code: 'E_CONFLICT', reason: 'ForeignObject' }),
      },
    ];

    const cli = await s.drover(['promote', s.web, '--to', 'prod']);
    expectCli(cli, 5, 'refused');
    expect(cli.json.failures).toEqual(foreign);
    expect(await objectSnapshot(env, c2, refs)).toEqual(before);
    expect(await s.tagDigest('prod')).toBe(prodTag);

    const api = await serve(s);
    onTestFinished(() => api.daemon.kill());
    const r = await api.post('/api/v1/promote', { bundle: s.web, to: 'prod' });
    expectApi(r, 409, 'refused');
    expect(r.json.failures).toEqual(foreign);
    expect(r.json.error.data.reason).toBe('ForeignObject');
    expect(await objectSnapshot(env, c2, refs)).toEqual(before);
    expect(await s.tagDigest('prod')).toBe(prodTag);

    const page = await api.rolloutPage('1.0.1', 'prod');
    expect(page.heading).toBe(`${s.web} 1.0.1 to prod: Refused`);
    expect(page.outcome).toContain(
      `${s.web}@1.0.1 in prod was refused before anything was written: c2 (ConfigMap/${s.ns}/web-settings): `,
    );
  }, 240_000);

  it('not run: the environment’s only cluster stopped answering: exit 6, 503, "Not run"; nothing changed', async () => {
    const edge = await stoppableCluster(mkdtempSync(join(scratch, 'edge-')), c3);
    const s = await stage(
      {
        name: 'nr',
        clusters: [c1, edge.info],
        namespaceIn: [c1, c3],
        kubeconfig: edge.kubeconfig,
        environments: [dev, manual('edge', ['edge'])],
      },
      { level: 'one' },
    );
    await s.deploy('1.0.0', 'edge');
    expect(await s.cut({ level: 'two' })).toBe('1.0.1');
    await s.deploy('1.0.1', 'dev');
    // Serve starts while edge answers (one started with a cluster down is the next test).
    const api = await serve(s);
    onTestFinished(() => api.daemon.kill());
    // Edge's API server goes away: nothing listens where its context points.
    await edge.stop();
    const before = await objectSnapshot(env, c3, s.objects());
    for (const ref of s.objects()) expect(before[ref], ref).toMatch(/^\S+ \d+$/);
    const tags = await s.tags();
    expect(tags.edge).toBe(tags['1.0.0']);
    const unreachable = [{ cluster: 'edge', error: expect.objectContaining({ code: 'E_UNAVAILABLE' }) }];

    const cli = await s.drover(['promote', s.web, '--to', 'edge']);
    expectCli(cli, 6, 'not-run');
    expect(cli.json.failures).toEqual(unreachable);
    expect(await objectSnapshot(env, c3, s.objects())).toEqual(before);
    expect(await s.tags()).toEqual(tags);

    const r = await api.post('/api/v1/promote', { bundle: s.web, to: 'edge' });
    expectApi(r, 503, 'not-run');
    expect(r.json.failures).toEqual(unreachable);
    expect(await objectSnapshot(env, c3, s.objects())).toEqual(before);
    expect(await s.tags()).toEqual(tags);

    const page = await api.rolloutPage('1.0.1', 'edge');
    expect(page.heading).toBe(`${s.web} 1.0.1 to edge: Not run`);
    expect(page.outcome).toContain(`${s.web}@1.0.1 in edge could not run, and nothing of it was kept: edge: `);
    expect(page.outcome).toContain('It can be tried again.');
  }, 240_000);

  it('not run where nothing ran before (its only cluster never answered): exit 6, and no tag is left naming the version', async () => {
    const s = await neverAnswering('nrtag');
    const tags = await s.tags();
    expect(tags.edge).toBeUndefined();

    const cli = await s.drover(['promote', s.web, '--to', 'edge']);
    expectCli(cli, 6, 'not-run');
    expect(cli.json.failures).toEqual([{ cluster: 'edge', error: expect.objectContaining({ code: 'E_UNAVAILABLE' }) }]);
    // Nothing ran and nothing was kept: edge gets no tag naming a version it never ran.
    expect(await s.tags()).toEqual(tags);
  });

  it('drover serve started while a cluster does not answer is ready, and its API answers the not-run: 503, "Not run"', async () => {
    const s = await neverAnswering('nrserve');
    const api = await serve(s);
    onTestFinished(() => api.daemon.kill());
    const r = await api.post('/api/v1/promote', { bundle: s.web, to: 'edge' });
    expectApi(r, 503, 'not-run');
    expect((await api.rolloutPage('1.0.0', 'edge')).heading).toBe(`${s.web} 1.0.0 to edge: Not run`);
  });

  it('needs a person: a failing version while the registry goes away, so its tag cannot be put back: exit 8, 500, "Needs a person"', async () => {
    const registry = await ownRegistry(mkdtempSync(join(scratch, 'registry-')));
    const s = await stage(
      {
        name: 'np',
        clusters: [c1, c2, c3],
        registryHost: registry.host,
        environments: [dev, manual('staging', ['c2']), manual('prod', ['c3'])],
      },
      { level: 'one' },
    );
    await s.deploy('1.0.0', 'staging');
    await s.deploy('1.0.0', 'prod');
    expect(await s.cut({ level: 'two', unschedulable: true })).toBe('1.0.1');
    expect(await s.cut({ level: 'three' })).toBe('1.0.2');
    await s.deploy('1.0.2', 'dev');
    const failed = await s.tagDigest('1.0.1');
    // The cluster's own rollback normally succeeds (E_RELEASE_FAILED, back on 1.0.0). On a loaded machine its
    // verification can still read the failed ReplicaSet's ProgressDeadlineExceeded and end rollback-failed
    // (E_ROLLBACK_FAILED): needs a person as well. Either way the tag is what could not be put back.
    const stuck = (cluster: string, tag: string) => [
      expect.objectContaining({
        cluster,
        error: expect.objectContaining({ code: expect.stringMatching(/^E_(RELEASE|ROLLBACK)_FAILED$/) }),
      }),
      { error: { code: 'E_UNAVAILABLE', message: expect.stringMatching(new RegExp(`^the ${tag} tag: `)) } },
    ];
    const backOnOne = async (failures: { error: { code: string } }[], cluster: ClusterInfo) => {
      if (failures[0]?.error.code === 'E_RELEASE_FAILED') expect(await s.level(cluster)).toBe('one');
    };
    /** Runs `release` and takes the registry away once its failing Deployment is applied on `cluster`; the registry is back afterwards. */
    const withRegistryGone = async <T>(cluster: ClusterInfo, release: () => Promise<T>): Promise<T> => {
      const running = release();
      try {
        await untilUnschedulableApplied(cluster, s.ns);
        await registry.stop();
        return await running;
      } finally {
        await running.catch(() => {});
        await registry.start();
      }
    };

    const cli = await withRegistryGone(c2, () => s.drover(['deploy', `${s.web}@1.0.1`, '--env', 'staging']));
    expectCli(cli, 8, 'needs-person');
    // c2 is back on 1.0.0; the tag is what could not be put back, and it still names the version that failed.
    expect(cli.json.failures).toEqual(stuck('c2', 'staging'));
    expect(cli.json.channel).toMatchObject({ tag: 'staging', restored: false, restoreError: expect.any(String) });
    await backOnOne(cli.json.failures, c2);
    expect(await s.tagDigest('staging')).toBe(failed);

    const api = await serve(s);
    onTestFinished(() => api.daemon.kill());
    const r = await withRegistryGone(c3, () =>
      api.post('/api/v1/deploy', { bundle: s.web, version: '1.0.1', environment: 'prod' }),
    );
    expectApi(r, 500, 'needs-person');
    expect(r.json.failures).toEqual(stuck('c3', 'prod'));
    await backOnOne(r.json.failures, c3);
    expect(r.json.channel).toMatchObject({ tag: 'prod', restored: false, restoreError: expect.any(String) });
    expect(await s.tagDigest('prod')).toBe(failed);

    for (const e of ['staging', 'prod']) {
      const page = await api.rolloutPage('1.0.1', e);
      expect(page.heading).toBe(`${s.web} 1.0.1 to ${e}: Needs a person`);
      expect(page.outcome).toContain(`${s.web}@1.0.1 in ${e} failed and could not all be put back: `);
      expect(page.outcome).toMatch(new RegExp(`c[23]\\b.*; the ${e} tag: `));
      expect(page.outcome).toContain('Look at the clusters named before anything else.');
    }
  }, 400_000);
});

/** Prod runs 1.0.1 and dev 1.0.2 (the newest): a promotion to prod would take 1.0.2. */
async function promotable(name: string, opts: Partial<StageOptions> = {}): Promise<Stage> {
  const s = await stage({ name, environments: [dev, manual('prod', ['c2'])], ...opts }, { level: 'one' });
  expect(await s.cut({ level: 'two' })).toBe('1.0.1');
  await s.deploy('1.0.1', 'prod');
  expect(await s.cut({ level: 'three' })).toBe('1.0.2');
  await s.deploy('1.0.2', 'dev');
  return s;
}

const short = (digest: string) => `${digest.slice(0, 19)}…`;

describe('a plan that went stale between being shown and being confirmed', () => {
  let s: Stage;
  let api: Served;
  let digests: Record<string, string>;

  beforeAll(async () => {
    // Serve follows no tag: a tag moved by hand stays a difference from the plan, never a rollout of its own.
    s = await promotable('stale', { serve: { channels: { follow: false } } });
    digests = await s.tags();
    api = await serve(s);
  }, 300_000);

  it('the dashboard: prod’s tag moved with oras after the confirm page was shown; the post is refused, naming the move', async () => {
    const confirm = await api.page(`/ui/confirm/promote?bundle=${s.web}&to=prod`);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.html)).toContain(`Promote ${s.web} 1.0.2 to prod?`);
    const form = /<form method="post" action="\/ui\/actions\/promote" class="confirm">([\s\S]*?)<\/form>/.exec(
      confirm.html,
    )?.[1];
    expect(form, 'the confirm form').toBeDefined();
    const fields = Object.fromEntries(
      [...form!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, decode(m[2]!)]),
    );
    expect(fields).toEqual({
      bundle: s.web,
      to: 'prod',
      version: '1.0.2',
      plan: expect.stringMatching(/^plan-/),
      csrf: expect.any(String),
    });
    const before = await objectSnapshot(env, c2, s.objects());
    const from = (await s.tagDigest('prod'))!;
    const to = digests['1.0.0']!;
    expect(from).not.toBe(to);

    // Meanwhile someone points prod's tag elsewhere.
    await s.orasTag(to, 'prod');
    const r = await api.submit('/ui/actions/promote', fields);
    expect(r.status, r.html).toBe(409);
    const text = textOf(/<main[^>]*>([\s\S]*)<\/main>/.exec(r.html)![1]!);
    expect(text).toContain('promote: refused');
    expect(text).toContain(`the plan shown (${fields.plan}) is stale, plan again: `);
    expect(text).toContain(`the prod tag moved from ${short(from)} to ${short(to)}`);
    expect(await objectSnapshot(env, c2, s.objects())).toEqual(before);
    expect(await s.level(c2)).toBe('two');
    expect(await s.tagDigest('prod')).toBe(to);
  });

  it('the API: a plan id from POST /api/v1/plan, the tag moved with oras, then POST /api/v1/promote with it: 409, reason Stale, the move listed', async () => {
    const from = (await s.tagDigest('prod'))!;
    const plan = await api.post('/api/v1/plan', { action: 'promote', bundle: s.web, to: 'prod' });
    expect(plan.status, JSON.stringify(plan.json)).toBe(200);
    expect(plan.json).toMatchObject({ version: '1.0.2', channel: { tag: 'prod', names: from } });
    expect(plan.json.refusal).toBeUndefined();
    const before = await objectSnapshot(env, c2, s.objects());
    const to = from === digests['1.0.0'] ? digests['1.0.1']! : digests['1.0.0']!;

    await s.orasTag(to, 'prod');
    const r = await api.post('/api/v1/promote', { bundle: s.web, to: 'prod', plan: plan.json.id });
    expectApi(r, 409, 'refused');
    expect(r.json.error.data).toMatchObject({
      reason: 'Stale',
      plan: plan.json.id,
      differences: [`the prod tag moved from ${short(from)} to ${short(to)}`],
    });
    expect(r.json.error.message).toContain(`the prod tag moved from ${short(from)} to ${short(to)}`);
    expect(await objectSnapshot(env, c2, s.objects())).toEqual(before);
    expect(await s.tagDigest('prod')).toBe(to);
  });
});

describe('drover promote --dry-run', () => {
  it('prints the plan (the version, the tag’s move, each prod cluster’s change) and changes nothing: tags, prod objects, journal', async () => {
    const s = await stage(
      {
        name: 'dry',
        clusters: [c1, c2, c3],
        environments: [dev, manual('prod', ['c2', 'c3'], { waves: [{ clusters: ['c2'] }, { clusters: ['c3'] }] })],
      },
      { level: 'one' },
    );
    await s.deploy('1.0.0', 'prod');
    expect(await s.cut({ level: 'two' })).toBe('1.0.1');
    await s.deploy('1.0.1', 'dev');
    const tags = await s.tags();
    expect(Object.keys(tags).sort()).toEqual(['1.0.0', '1.0.1', 'dev', 'prod']);
    const snapshot = async () => ({
      c2: await objectSnapshot(env, c2, s.objects()),
      c3: await objectSnapshot(env, c3, s.objects()),
    });
    const before = await snapshot();
    for (const ref of s.objects()) expect(before.c3[ref], ref).toMatch(/^\S+ \d+$/);
    const journal = (await s.drover(['history', s.web])).json as { id: number }[];

    const human = await s.drover(['promote', s.web, '--to', 'prod', '--dry-run'], { json: false });
    expect(human.code, human.stdout + human.stderr).toBe(0);
    const id = /^plan (plan-\S+): promote /m.exec(human.stdout)?.[1];
    expect(id, human.stdout).toBeDefined();
    expect(human.stdout).toContain(`plan ${id}: promote ${s.web}@1.0.1 to prod (dry run: nothing was changed)`);
    expect(human.stdout).toContain('prod runs 1.0.0 now');
    expect(human.stdout).toContain(
      `channel tag prod: ${short(tags.prod!)} -> ${short(tags['1.0.1']!)}; put back to ${short(tags.prod!)} if it does not end healthy`,
    );
    for (const [c, wave] of [
      ['c2', 1],
      ['c3', 2],
    ])
      expect(human.stdout).toMatch(
        new RegExp(`^${c}\\s+${wave}\\s+1\\.0\\.0\\s+0 added, 1 changed, 0 removed, 1 unchanged$`, 'm'),
      );

    const json = await s.drover(['promote', s.web, '--to', 'prod', '--dry-run']);
    expect(json.code, json.stdout + json.stderr).toBe(0);
    const changed = (c: string) => ({
      cluster: c,
      mode: 'push',
      runs: { version: '1.0.0', digest: tags['1.0.0'] },
      inventory: tags['1.0.0'],
      change: expect.objectContaining({
        cluster: c,
        version: '1.0.1',
        added: [],
        removed: [],
        changed: [expect.objectContaining({ ref: expect.objectContaining({ kind: 'ConfigMap', name: 'web-config' }) })],
        unchanged: [expect.objectContaining({ kind: 'Deployment', name: 'web' })],
        foreign: [],
      }),
    });
    expect(json.json).toMatchObject({
      id,
      reason: 'promote',
      environment: 'prod',
      version: '1.0.1',
      digest: tags['1.0.1'],
      runs: { version: '1.0.0', digest: tags['1.0.0'] },
      channel: { mode: 'move', tag: 'prod', names: tags.prod, to: tags['1.0.1'], putBackTo: tags.prod },
      waves: [{ clusters: [{ ...changed('c2'), wave: 1 }] }, { clusters: [{ ...changed('c3'), wave: 2 }] }],
    });
    expect(json.json.refusal).toBeUndefined();

    // Nothing changed: every tag, every prod object, the journal.
    expect(await s.tags()).toEqual(tags);
    expect(await snapshot()).toEqual(before);
    expect(await s.level(c2)).toBe('one');
    expect(((await s.drover(['history', s.web])).json as { id: number }[]).map((h) => h.id)).toEqual(
      journal.map((h) => h.id),
    );
  }, 240_000);
});
