// `drover serve` end to end, as a real child process (`node cmd/drover.ts
// serve`) against the real Git server, registry and three clusters:
// - a `git push` plus its GitHub webhook, and nothing else, cuts a version
//   that becomes healthy on every cluster of the first environment; the API
//   and /metrics report it. A second bundle whose content breaks a rule set
//   to error is never cut, and never holds up the first.
// - a webhook with a wrong signature is refused 401 before its body is
//   parsed (invalid JSON: 401, not 400) and wakes nothing; an oversized body
//   is refused 413 while it is still being sent.
// - SIGTERM while a release waits for health: the process exits 0 by itself
//   within the grace period, and every cluster is on one whole version (the
//   previous one): inventory current = live objects, nothing pending, no
//   lease, no unfinished release, the channel tag on that version.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo, git } from '../fixtures/testenv/git-server.ts';
import { type Daemon, startDaemon } from '../fixtures/testenv/serve-daemon.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../fixtures/testenv/use-env.ts';
import { activeLeases } from '../lib/state/leases.ts';
import { openState } from '../lib/state/open.ts';
import { listReleases, unfinishedReleases } from '../lib/state/releases.ts';
import { signWebhookBody } from './verify-webhook.ts';
import { writeTestConfig } from '../fixtures/testenv/config.ts';

const env = testEnv();
const scratch = mkdtempSync(join(tmpdir(), 'drover-serve-'));
const ns = uniqueName('serve');
const web = uniqueName('web');
const bad = uniqueName('bad');
const prefix = uniqueName('serve');
const token = `tok-${uniqueName('api')}-${uniqueName('x')}`;
const secret = `whs-${uniqueName('hook')}-${uniqueName('y')}`;
const gitlabToken = `glt-${uniqueName('hook')}-${uniqueName('z')}`;
const GRACE_SECONDS = 30;
const MAX_BODY = 8192;
let url: string;
let ws: string;
let work: string;
let drop: () => Promise<void>;
let daemon: Daemon;

function files(extra: { web: { logLevel: string; stuck?: boolean } }) {
  const dep = (name: string, probe: boolean, stuck = false) =>
    stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: {
        replicas: 2,
        // Short rollout bookkeeping; a stuck version never becomes available (its Pods cannot be scheduled).
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            ...(stuck ? { nodeSelector: { 'drover.dev/nowhere': 'true' } } : {}),
            containers: [
              {
                name,
                image: `registry.invalid/${name}:1`,
                envFrom: [{ configMapRef: { name: `${name}-config` } }],
                ...(probe ? { readinessProbe: { httpGet: { path: '/healthz', port: 8080 } } } : {}),
                resources: { requests: { cpu: '10m', memory: '16Mi' } },
              },
            ],
          },
        },
      },
    });
  const cm = (name: string, level: string) =>
    stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-config`, namespace: ns },
      data: { LOG_LEVEL: level },
    });
  return {
    'bundles.yaml': [
      stringify({
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Bundle',
        metadata: { name: web },
        spec: { namespace: ns, roots: [{ kind: 'Deployment', name: 'web' }] },
      }),
      // Breaks a rule set to error: never cut, and never holds up web.
      stringify({
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Bundle',
        metadata: { name: bad },
        spec: {
          namespace: ns,
          roots: [{ kind: 'Deployment', name: 'bad' }],
          lint: { 'missing-readiness-probe': 'error' },
        },
      }),
    ].join('---\n'),
    'web/deployment.yaml': dep('web', true, extra.web.stuck),
    'web/config.yaml': cm('web', extra.web.logLevel),
    'bad/deployment.yaml': dep('bad', false),
    'bad/config.yaml': cm('bad', 'info'),
  };
}

function writeTree(dir: string, tree: Record<string, string>) {
  for (const [p, text] of Object.entries(tree)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
}

async function pushCommit(tree: Record<string, string>, message: string) {
  writeTree(work, tree);
  await git(work, ['add', '-A']);
  await git(work, ['commit', '--quiet', '-m', message]);
  await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
}

const startServe = () =>
  startDaemon({
    config: join(ws, 'drover.yaml'),
    cwd: ws,
    env: { DROVER_API_TOKEN: token, DROVER_WEBHOOK_SECRET: secret, DROVER_GITLAB_WEBHOOK_TOKEN: gitlabToken },
    token,
  });
const base = () => daemon.base();
const api = (path: string) => daemon.api(path);
const metric = (series: string) => daemon.metric(series);
const until = <T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs?: number) =>
  daemon.until(what, f, timeoutMs);
const devRuns = async (bundle: string) => {
  const r = await api(`/api/v1/bundles/${bundle}`);
  if (r.status !== 200) return undefined;
  return (
    (r.json as { environments: { name: string; runs: string | null }[] }).environments.find((e) => e.name === 'dev')
      ?.runs ?? undefined
  );
};
// Each delivery names its own head, as GitHub's do: the same bytes twice are a replay (409).
let deliveries = 0;
const pushPayload = () =>
  JSON.stringify({
    ref: 'refs/heads/main',
    after: (++deliveries).toString(16).padStart(40, '0'),
    repository: { clone_url: url, html_url: url.replace(/\.git$/, '') },
    head_commit: { message: 'x' },
  });
const postHook = (provider: string, body: string | Buffer, headers: Record<string, string>) =>
  fetch(`${base()}/hooks/${provider}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));

beforeAll(async () => {
  const fixture = join(scratch, 'fixture');
  writeTree(fixture, files({ web: { logLevel: 'info' } }));
  url = await createRepo(env.git, { name: uniqueName('served'), fixtureDir: fixture });
  drop = await createNamespace(env, ns);
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  ws = join(scratch, 'ws');
  mkdirSync(ws);
  writeTestConfig(env, ws, {
    // Never polled during the test: only the webhook (or startup) wakes the source.
    sources: [{ name: 'shop', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${env.registry.host}/${prefix}`,
    environments: [{ name: 'dev', clusters: env.clusters.map((c) => c.name), timeoutSeconds: 600 }],
    serve: { webhook: { maxBodyBytes: MAX_BODY }, graceSeconds: GRACE_SECONDS },
  });
  daemon = await startServe();
});

afterAll(async () => {
  await daemon?.kill();
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('drover serve', () => {
  it('a git push and its webhook, and nothing else, take a new version to healthy on every cluster of the first environment', async () => {
    expect((await fetch(`${base()}/healthz`)).status).toBe(200);
    await until('ready', async () => (await fetch(`${base()}/readyz`)).status === 200);
    // At startup the daemon cuts what the source holds and deploys it.
    await until(`${web}@1.0.0 in dev`, async () => (await devRuns(web)) === '1.0.0');

    await pushCommit(files({ web: { logLevel: 'debug' } }), `${web}: debug logging`);
    const body = pushPayload();
    const hook = await postHook('github', body, {
      'x-github-event': 'push',
      'x-hub-signature-256': signWebhookBody({ secret, body }),
    });
    expect(hook).toEqual({ status: 202, json: { matched: ['shop'] } });

    await until(`${web}@1.0.1 in dev`, async () => (await devRuns(web)) === '1.0.1');
    for (const c of env.clusters) {
      expect(
        (
          await kubectlOn(env, c, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LOG_LEVEL}'])
        ).trim(),
      ).toBe('debug');
      const inv = JSON.parse(
        await kubectlOn(env, c, ['get', 'configmap', `inventory-${web}`, '-n', 'drover-system', '-o', 'json']),
      ) as { data: { current: string; pending: string } };
      expect(JSON.parse(inv.data.current).version).toBe('1.0.1');
      expect(JSON.parse(inv.data.pending)).toBeNull();
      expect(
        await kubectlOn(env, c, ['get', 'deployment', 'web', '-n', ns, '-o', 'jsonpath={.status.readyReplicas}']),
      ).toBe('2');
    }

    const releases = (await api(`/api/v1/releases?bundle=${web}&steps=true`)).json as {
      cluster: string;
      version: string;
      state: string;
      steps: { state: string }[];
    }[];
    expect(
      releases
        .filter((r) => r.version === '1.0.1')
        .map((r) => [r.cluster, r.state])
        .sort(),
    ).toEqual(env.clusters.map((c) => [c.name, 'succeeded']));
    expect(
      releases
        .filter((r) => r.version === '1.0.1')
        .every((r) => r.steps.map((s) => s.state).join() === 'planned,applying,verifying,succeeded'),
    ).toBe(true);
    const versions = (await api(`/api/v1/bundles/${web}/versions`)).json as { version: string }[];
    expect(versions.map((v) => v.version)).toEqual(['1.0.1', '1.0.0']);

    expect(await metric(`drover_versions_cut_total{bundle="${web}"}`)).toBe(2);
    for (const c of env.clusters)
      expect(await metric(`drover_releases_total{bundle="${web}",cluster="${c.name}",result="succeeded"}`)).toBe(2);
    expect(await metric('drover_source_wakes_total{source="shop",trigger="webhook"}')).toBe(1);
    expect(await metric('drover_webhook_requests_total{provider="github",result="accepted"}')).toBe(1);
    expect(await metric('drover_rollbacks_total{kind="release"}')).toBe(0);
    expect(await metric('drover_reconcile_duration_seconds_count{task="cut"}')).toBeGreaterThanOrEqual(2);

    // The broken bundle is refused at every cut and never cut, while web moved on twice.
    expect(await metric(`drover_cut_errors_total{bundle="${bad}"}`)).toBeGreaterThanOrEqual(2);
    expect((await api(`/api/v1/bundles/${bad}`)).status).toBe(404);
  });

  it('the API needs the bearer token, reads included', async () => {
    expect((await fetch(`${base()}/api/v1/releases`)).status).toBe(401);
    expect((await fetch(`${base()}/api/v1/releases`, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(
      401,
    );
    const action = await fetch(`${base()}/api/v1/deploy`, {
      method: 'POST',
      body: JSON.stringify({ bundle: web, version: '1.0.0', environment: 'dev' }),
      headers: { authorization: 'Bearer nope' },
    });
    expect(action.status).toBe(401);
    expect((await api('/api/v1/environments')).status).toBe(200);
    // Reads of every kind answer from the state: no drift task runs here, no Events were gathered.
    expect(await api('/api/v1/drift')).toEqual({ status: 200, json: [] });
    expect(await api(`/api/v1/bundles/${web}/events`)).toEqual({ status: 200, json: [] });
    expect((await api('/api/v1/status?live=false')).json).toEqual(
      expect.arrayContaining(
        env.clusters.map((c) => expect.objectContaining({ bundle: web, cluster: c.name, running: '1.0.1' })),
      ),
    );
    expect((await api('/api/v1/bundles/nope')).status).toBe(404);
  });

  it('refuses a replayed delivery, and a GitLab token is no key for GitHub signatures', async () => {
    const wakes = await metric('drover_source_wakes_total{source="shop",trigger="webhook"}');
    const body = pushPayload();
    const headers = { 'x-github-event': 'push', 'x-hub-signature-256': signWebhookBody({ secret, body }) };
    expect((await postHook('github', body, headers)).status).toBe(202);
    const replay = await postHook('github', body, headers);
    expect(replay).toEqual({
      status: 409,
      json: { error: expect.objectContaining({ code: 'E_REPLAYED' }) as unknown },
    });
    expect(await metric('drover_webhook_requests_total{provider="github",result="replayed"}')).toBe(1);
    expect(await metric('drover_source_wakes_total{source="shop",trigger="webhook"}')).toBe((wakes ?? 0) + 1);

    // GitLab sends its token in clear; whoever saw it cannot sign for GitHub with it.
    const forged = pushPayload();
    const asGithub = await postHook('github', forged, {
      'x-github-event': 'push',
      'x-hub-signature-256': signWebhookBody({ secret: gitlabToken, body: forged }),
    });
    expect(asGithub.status).toBe(401);
    // The token does what it is for: GitLab's own deliveries.
    const gitlabPush = JSON.stringify({
      object_kind: 'push',
      ref: 'refs/heads/main',
      after: 'f'.repeat(40),
      project: { git_http_url: url, web_url: url.replace(/\.git$/, '') },
    });
    const asGitlab = await postHook('gitlab', gitlabPush, {
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-token': gitlabToken,
    });
    expect(asGitlab).toEqual({ status: 202, json: { matched: ['shop'] } });
    expect(await metric('drover_source_wakes_total{source="shop",trigger="webhook"}')).toBe((wakes ?? 0) + 2);
  });

  it('refuses a webhook with a wrong signature before parsing it, and an oversized body while it is being sent', async () => {
    const wakes = await metric('drover_source_wakes_total{source="shop",trigger="webhook"}');
    const unauthorized = await metric('drover_webhook_requests_total{provider="github",result="unauthorized"}');
    const notJson = '{"ref": "refs/heads/main", "repository": ';
    const wrong = signWebhookBody({ secret: `${secret}-wrong`, body: notJson });
    // Not parsed: invalid JSON with a wrong signature is 401 (unauthorized), not 400 (invalid).
    expect((await postHook('github', notJson, { 'x-github-event': 'push', 'x-hub-signature-256': wrong })).status).toBe(
      401,
    );
    expect((await postHook('generic', notJson, { 'x-drover-signature': wrong })).status).toBe(401);
    expect(
      (await postHook('gitlab', notJson, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': `${secret}-wrong` }))
        .status,
    ).toBe(401);
    expect((await postHook('github', notJson, { 'x-github-event': 'push' })).status).toBe(401);
    // A valid push, signed with the wrong secret: refused too, and wakes nothing.
    const push = pushPayload();
    expect(
      (
        await postHook('github', push, {
          'x-github-event': 'push',
          'x-hub-signature-256': signWebhookBody({ secret: 'guess', body: push }),
        })
      ).status,
    ).toBe(401);
    // The same invalid JSON correctly signed is parsed, and only then refused as invalid.
    expect(
      (
        await postHook('github', notJson, {
          'x-github-event': 'push',
          'x-hub-signature-256': signWebhookBody({ secret, body: notJson }),
        })
      ).status,
    ).toBe(400);
    expect(await metric('drover_webhook_requests_total{provider="github",result="unauthorized"}')).toBe(
      (unauthorized ?? 0) + 3,
    );
    expect(await metric('drover_source_wakes_total{source="shop",trigger="webhook"}')).toBe(wakes);

    // Streaming past the cap: the 413 arrives while the client still has most of its body to send.
    const total = 64 * MAX_BODY;
    const streamed = await new Promise<{ status: number; sentBeforeAnswer: number }>((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const req = request(
        {
          host: '127.0.0.1',
          port: daemon.port,
          method: 'POST',
          path: '/hooks/github',
          headers: { 'x-github-event': 'push', 'transfer-encoding': 'chunked' },
        },
        (res) => {
          answered = true;
          res.resume();
          resolve({ status: res.statusCode!, sentBeforeAnswer: sent });
        },
      );
      req.on('error', (e) => (answered ? undefined : reject(e)));
      const chunk = Buffer.alloc(1024, 0x7b);
      const pump = () => {
        if (answered || sent >= total) return req.end();
        sent += chunk.length;
        req.write(chunk);
        setTimeout(pump, 2);
      };
      pump();
    });
    expect(streamed.status).toBe(413);
    expect(streamed.sentBeforeAnswer).toBeLessThan(total / 2);
    // A declared Content-Length over the cap is refused before any of the body is sent.
    const declared = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: daemon.port,
          method: 'POST',
          path: '/hooks/generic',
          headers: { 'content-length': String(10 * MAX_BODY) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
          req.destroy();
        },
      );
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(declared).toBe(413);
    expect(await metric('drover_webhook_requests_total{provider="github",result="too-large"}')).toBe(1);
    expect(await metric('drover_source_wakes_total{source="shop",trigger="webhook"}')).toBe(wakes);
  });

  it('on SIGTERM during a release, exits 0 within the grace period with every cluster on one whole version', async () => {
    const before = (await api(`/api/v1/bundles/${web}/versions`)).json as { version: string; digest: string }[];
    const v101 = before.find((v) => v.version === '1.0.1')!;
    // 1.0.2's Pods can never be scheduled: the release waits for health (timeout 600 s) until it is stopped.
    await pushCommit(files({ web: { logLevel: 'warn', stuck: true } }), `${web}: pin to a node that does not exist`);
    const body = pushPayload();
    expect(
      (
        await postHook('github', body, {
          'x-github-event': 'push',
          'x-hub-signature-256': signWebhookBody({ secret, body }),
        })
      ).status,
    ).toBe(202);
    await until('1.0.2 verifying on every cluster', async () => {
      const rs = (await api(`/api/v1/releases?bundle=${web}`)).json as { version: string; state: string }[];
      return rs.filter((r) => r.version === '1.0.2' && r.state === 'verifying').length === env.clusters.length;
    });
    // The new version really is half-applied: its ConfigMap is live on the clusters.
    expect(
      (
        await kubectlOn(env, env.clusters[0]!, [
          'get',
          'configmap',
          'web-config',
          '-n',
          ns,
          '-o',
          'jsonpath={.data.LOG_LEVEL}',
        ])
      ).trim(),
    ).toBe('warn');

    daemon.proc.kill('SIGTERM');
    await until('readyz 503', async () => (await fetch(`${base()}/readyz`)).status === 503, 5_000);
    // Kubernetes would SIGKILL after the grace period: the daemon must be gone by itself before that.
    let killed = false;
    const hardKill = setTimeout(() => {
      killed = true;
      daemon.proc.kill('SIGKILL');
    }, GRACE_SECONDS * 1000);
    const exit = await daemon.exited;
    clearTimeout(hardKill);
    expect(killed).toBe(false);
    expect(exit).toEqual({ code: 0, signal: null });
    const stopped = daemon.lines.find((l) => l.msg === 'stopped')!;
    expect(stopped).toMatchObject({ drained: false, aborted: [`bundle:${web}`], recovered: env.clusters.length });

    const db = openState({ path: join(ws, '.drover', 'state.db') });
    try {
      expect(unfinishedReleases(db)).toEqual([]);
      expect(activeLeases(db)).toEqual([]);
      expect(
        listReleases(db, { bundle: web })
          .filter((r) => r.version === '1.0.2')
          .map((r) => r.state),
      ).toEqual(env.clusters.map(() => 'rolled-back'));
    } finally {
      db.close();
    }
    for (const c of env.clusters) {
      const inv = JSON.parse(
        await kubectlOn(env, c, ['get', 'configmap', `inventory-${web}`, '-n', 'drover-system', '-o', 'json']),
      ) as { data: { current: string; pending: string } };
      const current = JSON.parse(inv.data.current) as {
        version: string;
        digest: string;
        members: { kind: string; namespace: string; name: string }[];
      };
      expect(current.version).toBe('1.0.1');
      expect(current.digest).toBe(v101.digest);
      expect(JSON.parse(inv.data.pending)).toBeNull();
      // Live objects are 1.0.1's, whole: every member exists, the ConfigMap and the Pod template are 1.0.1's.
      for (const m of current.members)
        await kubectlOn(env, c, ['get', m.kind.toLowerCase(), m.name, '-n', m.namespace, '-o', 'name']);
      expect(
        (
          await kubectlOn(env, c, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LOG_LEVEL}'])
        ).trim(),
      ).toBe('debug');
      expect(
        await kubectlOn(env, c, [
          'get',
          'deployment',
          'web',
          '-n',
          ns,
          '-o',
          'jsonpath={.spec.template.spec.nodeSelector}',
        ]),
      ).toBe('');
      const labelled = await kubectlOn(env, c, [
        'get',
        'configmap,deployment,service',
        '-n',
        ns,
        '-l',
        `drover.dev/bundle=${web}`,
        '-o',
        'name',
      ]);
      expect(labelled.trim().split('\n').sort()).toEqual(
        current.members
          .map((m) => `${m.kind === 'Deployment' ? 'deployment.apps' : m.kind.toLowerCase()}/${m.name}`)
          .sort(),
      );
    }
    // The channel tag names what dev runs again.
    const tag = await fetch(`${env.registry.url}/v2/${prefix}/${web}/manifests/dev`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(tag.headers.get('docker-content-digest')).toBe(v101.digest);

    // Nothing secret ever reached the log.
    const log = daemon.stderr();
    expect(log).not.toContain(token);
    expect(log).not.toContain(secret);
    expect(readFileSync(join(ws, 'drover.yaml'), 'utf8')).not.toContain(secret);
  });
});
