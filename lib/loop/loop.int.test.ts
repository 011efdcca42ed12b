// The loop's policy end to end on three real clusters, through the real CLI
// process: dev (c1) -> prod (c2, auto, healthy for 0 s) -> audit (c3,
// manual). One commit changes two bundles; one of them crash-loops. The good
// one goes to dev and on to prod without any command; the broken one is
// rolled back whole in dev, quarantined there, never promoted and never
// retried; nothing is promoted to the manual environment.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { signWebhookBody } from '../../http/verify-webhook.ts';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';

const env = testEnv();
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-loop-'));
const ns = uniqueName('loop');
const good = uniqueName('good');
const flaky = uniqueName('flaky');
const token = `tok-${uniqueName('loop')}`;
const secret = `whs-${uniqueName('loop')}`;
const [c1, c2, c3] = env.clusters;
let url: string;
let work: string;
let proc: ChildProcess;
let port: number;
let stderr = '';
let drop: () => Promise<void>;

function tree(round: number, { crash }: { crash: boolean }): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of [good, flaky]) {
    const broken = crash && name === flaky;
    files[`${name}/bundle.yaml`] = stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name },
      spec: { namespace: ns, roots: [{ kind: 'Deployment', name }] },
    });
    files[`${name}/config.yaml`] = stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-config`, namespace: ns },
      data: { ROUND: String(round) },
    });
    files[`${name}/deployment.yaml`] = stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          // KWOK keeps Pods with this label in CrashLoopBackOff: a real failed rollout.
          metadata: {
            labels: { app: name, ...(broken ? { 'pod-container-running-failed.stage.kwok.x-k8s.io': 'true' } : {}) },
            annotations: { round: String(round) },
          },
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
    });
  }
  return files;
}

function writeTree(dir: string, files: Record<string, string>) {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
}

const base = () => `http://127.0.0.1:${port}`;
async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; json: T }> {
  const r = await fetch(`${base()}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...init.headers },
  });
  return { status: r.status, json: (await r.json()) as T };
}
async function until(what: string, f: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${stderr.split('\n').slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
type BundleView = { environments: { name: string; runs: string | null }[] };
const runs = async (bundle: string, environment: string) =>
  (await api<BundleView>(`/api/v1/bundles/${bundle}`)).json.environments?.find((e) => e.name === environment)?.runs ??
  null;
const idle = async () => {
  const d = (await api<{ queue: { running: string[]; queued: string[] } }>('/api/v1/daemon')).json;
  return d.queue.running.length === 0 && d.queue.queued.length === 0;
};
async function metric(series: string): Promise<number | undefined> {
  const text = await (await fetch(`${base()}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  const seed = join(scratch, 'seed');
  writeTree(seed, tree(0, { crash: false }));
  url = await createRepo(env.git, { name: uniqueName('loop'), fixtureDir: seed });
  drop = await createNamespace(env, ns);
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  const ws = join(scratch, 'ws');
  mkdirSync(ws);
  writeTestConfig(env, ws, {
    sources: [{ name: 'apps', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${env.registry.host}/${uniqueName('loop')}`,
    environments: [
      { name: 'dev', clusters: [c1!.name], timeoutSeconds: 120 },
      { name: 'prod', clusters: [c2!.name], promotion: { mode: 'auto', healthyForSeconds: 0 }, timeoutSeconds: 120 },
      { name: 'audit', clusters: [c3!.name], promotion: { mode: 'manual' } },
    ],
  });
  proc = spawn(process.execPath, [cli, 'serve', '--config', join(ws, 'drover.yaml'), '--listen', '127.0.0.1:0'], {
    cwd: ws,
    env: { ...process.env, DROVER_API_TOKEN: token, DROVER_WEBHOOK_SECRET: secret },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: proc.stderr! }).on('line', (line) => {
      stderr += `${line}\n`;
      const rec = JSON.parse(line) as { msg: string; port?: number };
      if (rec.msg === 'listening') resolve(rec.port!);
    });
    proc.on('exit', (code) => reject(new Error(`drover serve exited (${code}): ${stderr}`)));
  });
});

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the loop', () => {
  it('promotes the healthy bundle along the pipeline, and quarantines the broken one without stalling it', async () => {
    // Startup: both bundles cut, deployed to dev, promoted to prod by policy; audit is manual.
    for (const b of [good, flaky]) await until(`${b}@1.0.0 in prod`, async () => (await runs(b, 'prod')) === '1.0.0');
    expect(await runs(good, 'audit')).toBeNull();

    writeTree(work, tree(1, { crash: true }));
    await git(work, ['add', '-A']);
    await git(work, ['commit', '--quiet', '-m', 'round 1']);
    await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
    const after = (await git(work, ['rev-parse', 'HEAD'])).trim();
    const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { clone_url: url } });
    const hook = await fetch(`${base()}/hooks/github`, {
      method: 'POST',
      body,
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': signWebhookBody({ secret, body }) },
    });
    expect(hook.status).toBe(202);

    await until(`${good}@1.0.1 in prod`, async () => (await runs(good, 'prod')) === '1.0.1');
    await until(`${flaky}@1.0.1 quarantined in dev`, async () =>
      (await api<{ version: string; environment: string }[]>(`/api/v1/quarantine?bundle=${flaky}`)).json.some(
        (q) => q.version === '1.0.1' && q.environment === 'dev',
      ),
    );
    await until('the queue idle', idle);

    // The broken version was rolled back whole in dev and went no further.
    expect(await runs(flaky, 'dev')).toBe('1.0.0');
    expect(await runs(flaky, 'prod')).toBe('1.0.0');
    expect(
      (
        await kubectlOn(env, c1!, ['get', 'configmap', `${flaky}-config`, '-n', ns, '-o', 'jsonpath={.data.ROUND}'])
      ).trim(),
    ).toBe('0');
    expect(
      (
        await kubectlOn(env, c2!, ['get', 'configmap', `${good}-config`, '-n', ns, '-o', 'jsonpath={.data.ROUND}'])
      ).trim(),
    ).toBe('1');
    type Rel = { version: string; cluster: string; state: string; reason: string | null };
    const flakyReleases = async () =>
      (await api<Rel[]>(`/api/v1/releases?bundle=${flaky}`)).json.filter((r) => r.version === '1.0.1');
    expect((await flakyReleases()).map((r) => [r.cluster, r.state])).toEqual([[c1!.name, 'rolled-back']]);
    expect(await metric(`drover_releases_total{bundle="${flaky}",cluster="${c1!.name}",result="rolled-back"}`)).toBe(1);
    expect(await metric('drover_rollbacks_total{kind="release"}')).toBe(1);

    // Woken again, the loop does not retry the quarantined version.
    expect((await api('/api/v1/reconcile', { method: 'POST', body: JSON.stringify({ bundle: flaky }) })).status).toBe(
      202,
    );
    await new Promise((r) => setTimeout(r, 500));
    await until('the queue idle', idle);
    expect(await flakyReleases()).toHaveLength(1);

    // Manual environments are never advanced by the loop.
    expect((await api<Rel[]>(`/api/v1/releases?cluster=${c3!.name}&bundle=${good}`)).json).toEqual([]);
    // ... but a person can promote through the API.
    const promoted = await api<{ ok: boolean; version: string }>('/api/v1/promote', {
      method: 'POST',
      body: JSON.stringify({ bundle: good, to: 'audit' }),
    });
    expect(promoted).toMatchObject({ status: 200, json: { ok: true, version: '1.0.1' } });
    expect(await runs(good, 'audit')).toBe('1.0.1');
  });
});
