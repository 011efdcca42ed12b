// The web dashboard in a real browser (Debian Chromium via playwright-core),
// served by `drover serve` as a real process, against the real Git server
// (push webhooks), registry (ORAS CLI to read tags) and three clusters
// (dev: c1; prod: c2 then c3 in waves, promotion manual):
// - logging in by the API token gives an HttpOnly session cookie; every view
//   loads with real data and the test reads the rendered text;
// - a `git push` that cuts a version changes the overview's cell with no
//   reload (Server-Sent Events);
// - promote from the UI: the confirmation shows the version diff and each
//   cluster's diff; after confirming, prod's channel tag names the version
//   (read with ORAS) and an open overview updates by itself;
// - a crash-looping version shows as a failed, rolled-back cell linking to
//   its rollout, which shows the failed object, the rollback steps and the
//   Kubernetes BackOff event;
// - drift: a `kubectl patch` shows as a finding with the field and the
//   manager that changed it, and heal from the UI, by keyboard alone, takes it back;
// - an object named `<script>...` renders as text, and nothing runs;
// - every action answers 401 without the session, 403 with a wrong CSRF token.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { launchBrowser } from '../../fixtures/testenv/browser.ts';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { appDeployment } from '../../fixtures/testenv/manifests.ts';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { orasCli } from '../../fixtures/testenv/oras.ts';
import { installPushWebhook } from '../../fixtures/testenv/push-webhook.ts';
import { type Daemon, startDaemon } from '../../fixtures/testenv/serve-daemon.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
const scratch = mkdtempSync(join(tmpdir(), 'drover-dashboard-'));
const ns = uniqueName('dash');
const prefix = uniqueName('dash');
const web = uniqueName('web');
const xss = uniqueName('xss');
const EVIL = '<script>alert(1)';
const token = `tok-${uniqueName('api')}-${uniqueName('x')}`;
const secret = `whs-${uniqueName('hook')}`;
const oras = orasCli(scratch);
let work: string;
let ws: string;
let drop: () => Promise<void>;
let daemon: Daemon;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];

const deployment = (name: string, configMap: string, { failing = false } = {}) =>
  appDeployment({ name, namespace: ns, configMap, failing });

function writeApp(dir: string, { level, failing = false }: { level: string; failing?: boolean }): void {
  mkdirSync(join(dir, 'apps'), { recursive: true });
  const docs = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: web },
      spec: { roots: [{ kind: 'Deployment', namespace: ns, name: 'web' }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: ns }, data: { LEVEL: level } },
    deployment('web', 'web-config', { failing }),
  ];
  writeFileSync(join(dir, 'apps', 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  // A name from a repository is untrusted: this one would be markup if it were ever rendered unescaped.
  const evil = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: xss },
      spec: { roots: [{ kind: 'Deployment', namespace: ns, name: 'xss' }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: EVIL, namespace: ns }, data: { A: 'b' } },
    deployment('xss', EVIL),
  ];
  writeFileSync(join(dir, 'apps', 'xss.yaml'), evil.map((d) => stringify(d)).join('---\n'));
}

async function push(message: string, spec: { level: string; failing?: boolean }): Promise<void> {
  writeApp(work, spec);
  await git(work, ['add', '-A']);
  await git(work, ['commit', '--quiet', '-m', message]);
  await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
}

interface Release {
  id: number;
  cluster: string;
  version: string;
  state: string;
  finishedAt: string | null;
}
const releases = async (bundle: string) =>
  (await daemon.api(`/api/v1/releases?bundle=${bundle}&limit=200`)).json as Release[];
const tagDigest = async (tag: string) =>
  (await oras(['resolve', '--plain-http', `${env.registry.host}/${prefix}/${web}:${tag}`])).trim();
const cell = (p: Page, bundle: string, cluster: string) =>
  p.locator(`tr[id="row-${bundle}"] td[data-cluster="${cluster}"]`);
const mainText = async (p: Page) => (await p.locator('main').innerText()).replace(/\s+/g, ' ');

beforeAll(async () => {
  drop = await createNamespace(env, ns);
  const seed = join(scratch, 'seed');
  writeApp(seed, { level: 'one' });
  const url = await createRepo(env.git, { name: uniqueName('dash'), fixtureDir: seed });
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  ws = join(scratch, 'ws');
  mkdirSync(ws);
  writeTestConfig(env, ws, {
    // Never polled: pushes reach serve through the repository's webhook.
    sources: [{ name: 'apps', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${env.registry.host}/${prefix}`,
    environments: [
      { name: 'dev', clusters: ['c1'], timeoutSeconds: 90 },
      {
        name: 'prod',
        clusters: ['c2', 'c3'],
        waves: [{ clusters: ['c2'] }, { clusters: ['c3'] }],
        promotion: { mode: 'manual' },
        timeoutSeconds: 90,
      },
    ],
    serve: { webhook: { secretEnv: 'DROVER_WEBHOOK_SECRET' } },
  });
  daemon = await startDaemon({
    config: join(ws, 'drover.yaml'),
    cwd: ws,
    env: { DROVER_API_TOKEN: token, DROVER_WEBHOOK_SECRET: secret },
    token,
  });
  installPushWebhook({ server: env.git, repoUrl: url, hookUrl: `${daemon.base()}/hooks/github`, secret });
  await daemon.until(
    'web@1.0.0 healthy in dev',
    async () =>
      (await releases(web)).some((r) => r.cluster === 'c1' && r.version === '1.0.0' && r.state === 'succeeded'),
    120_000,
  );
  // prod runs 1.0.0 too, so the UI's promotion later has a version to diff against.
  const p = await fetch(`${daemon.base()}/api/v1/promote`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ bundle: web, to: 'prod' }),
  });
  expect(p.status, await p.clone().text()).toBe(200);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.kill();
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the dashboard in a real browser', () => {
  it('sends a visitor to the login page; the API token gives an HttpOnly, SameSite session cookie, and the token appears nowhere', async () => {
    await page.goto(`${daemon.base()}/`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${daemon.base()}/`);
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['drover_session', true, 'Strict']]);
    expect(cookies[0]!.value).not.toContain(token);
    expect(await page.content()).not.toContain(token);
    expect(page.url()).not.toContain(token);
    await expect.poll(() => cell(page, web, 'c1').innerText()).toMatch(/1\.0\.0\s+Healthy/);
    expect(await cell(page, web, 'c2').innerText()).toMatch(/1\.0\.0\s+Healthy/);
    expect(await page.locator(`tr[id="row-${web}"] td.tag[data-environment="prod"]`).innerText()).toContain(
      'prod → 1.0.0',
    );
  });

  it('a git push that cuts a new version changes the overview cell without a reload', async () => {
    await page.goto(`${daemon.base()}/`);
    await page.locator('#live-status', { hasText: 'live' }).waitFor();
    await page.evaluate("window.stillHere = 'yes'");
    await push('web: level two', { level: 'two' });
    await cell(page, web, 'c1')
      .filter({ hasText: /1\.0\.1\s+Healthy/ })
      .waitFor({ timeout: 120_000 });
    expect(await page.evaluate('window.stillHere')).toBe('yes');
    expect(Number(await page.evaluate('document.documentElement.dataset.liveUpdates'))).toBeGreaterThan(0);
    expect(await page.locator(`tr[id="row-${web}"] th`).innerText()).toContain('newest 1.0.1');
  });

  it('promote from the UI: the confirmation shows the diffs; after confirming, the prod tag moved and an open overview updates by itself', async () => {
    const overview = await context.newPage();
    await overview.goto(`${daemon.base()}/`);
    await overview.locator('#live-status', { hasText: 'live' }).waitFor();
    await overview.evaluate("window.stillHere = 'yes'");

    await page.goto(`${daemon.base()}/ui/bundles/${web}`);
    await page.getByRole('link', { name: 'Promote to prod…' }).click();
    const confirm = await mainText(page);
    expect(confirm).toContain(`Promote ${web} 1.0.1 to prod?`);
    expect(confirm).toContain('Version diff: 1.0.0 → 1.0.1');
    expect(confirm).toMatch(/data\.LEVEL changed one two/);
    expect(confirm).toContain('On c2, against what is live');
    expect(confirm).toContain('On c3, against what is live');
    expect(await tagDigest('prod')).toBe(await tagDigest('1.0.0'));

    await page.getByRole('button', { name: `Promote ${web} 1.0.1 to prod` }).click();
    await page.waitForURL(`**/ui/rollouts/${web}/1.0.1/prod`);
    await page.locator('h1', { hasText: 'Healthy' }).waitFor({ timeout: 120_000 });
    expect(await tagDigest('prod')).toBe(await tagDigest('1.0.1'));
    for (const c of ['c2', 'c3'])
      await cell(overview, web, c)
        .filter({ hasText: /1\.0\.1\s+Healthy/ })
        .waitFor({ timeout: 30_000 });
    expect(await overview.locator(`tr[id="row-${web}"] td.tag[data-environment="prod"]`).innerText()).toContain(
      'prod → 1.0.1',
    );
    expect(await overview.evaluate('window.stillHere')).toBe('yes');
    const rollout = await mainText(page);
    expect(rollout).toMatch(/Wave 1: c2.*Wave 2: c3/);
    expect(rollout).toContain('succeeded release');
    await overview.close();
  });

  it('a crash-looping version: the cell says rolled back and links to the rollout, which shows the failed object, the rollback and the BackOff event', async () => {
    await page.goto(`${daemon.base()}/`);
    await page.locator('#live-status', { hasText: 'live' }).waitFor();
    await push('web: new build', { level: 'two', failing: true });
    const failed = cell(page, web, 'c1').filter({ hasText: 'Rolled back' });
    await failed.waitFor({ timeout: 150_000 });
    expect(await failed.innerText()).toMatch(/1\.0\.1\s+Rolled back[\s\S]*1\.0\.2 failed: Deployment\/[^/]+\/web/);
    await failed.getByRole('link', { name: /1\.0\.2 failed/ }).click();
    await page.waitForURL(`**/ui/rollouts/${web}/1.0.2/dev`);
    const text = await mainText(page);
    expect(text).toContain(`${web} 1.0.2 to dev: Rolled back`);
    expect(text).toContain(
      `${web}@1.0.2 in dev failed and every cluster is back on what it ran: c1 (Deployment/${ns}/web)`,
    );
    expect(text).toMatch(new RegExp(`Failed object: Deployment/${ns}/web Reason: CrashLoopBackOff`));
    expect(text).toMatch(/rolling-back .*rolled-back/);
    expect(text).toMatch(/Warning BackOff Pod\/[^ ]+\/web-/);
    // prod never saw it.
    expect((await releases(web)).filter((r) => r.version === '1.0.2').map((r) => r.cluster)).toEqual(['c1']);
  });

  it("drift: a kubectl patch shows as a finding with the field and who changed it, even one recorded before the page's stream opened; heal from the UI takes it back", async () => {
    // The page's live stream is held back while the finding is recorded, so its event reaches no one: the page shows it once the stream opens.
    let openStream!: () => void;
    const held = new Promise<void>((r) => (openStream = r));
    const isStream = (url: URL) => url.pathname === '/ui/events';
    await page.route(isStream, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${daemon.base()}/ui/drift?bundle=${web}`);
    expect(await mainText(page)).not.toContain('data.LEVEL');
    await kubectlOn(env, c1, [
      'patch',
      'configmap',
      'web-config',
      '-n',
      ns,
      '--type',
      'merge',
      '-p',
      '{"data":{"LEVEL":"patched"}}',
    ]);
    await daemon.until(
      'the finding recorded',
      async () => ((await daemon.api(`/api/v1/drift?bundle=${web}`)).json as unknown[]).length > 0,
      60_000,
    );
    openStream();
    await page.locator('main', { hasText: 'data.LEVEL' }).waitFor({ timeout: 60_000 });
    await page.unroute(isStream);
    const text = await mainText(page);
    expect(text).toContain(`ConfigMap/${ns}/web-config`);
    expect(text).toMatch(/data\.LEVEL two patched kubectl-patch/);
    // By keyboard alone: Tab to the action, Enter; Tab to the confirming button, Enter.
    const tabTo = async (text: string) => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        if (
          (
            (await page.evaluate('document.activeElement && document.activeElement.textContent')) as string | null
          )?.trim() === text
        )
          return;
      }
      throw new Error(`${text} is not reachable with Tab`);
    };
    await tabTo(`Heal ${web} on c1…`);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/ui/confirm/heal?**');
    expect(await mainText(page)).toMatch(/Fields taken back .*data\.LEVEL patched two/);
    await tabTo(`Heal ${web} on c1`);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/ui/drift?bundle=${web}`);
    await page.locator('main', { hasText: 'No open drift' }).waitFor({ timeout: 60_000 });
    expect(await kubectlOn(env, c1, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LEVEL}'])).toBe(
      'two',
    );
  });

  it('an object named <script> renders as text everywhere it appears, and no script runs', async () => {
    await daemon.until('the xss release finished', async () =>
      (await releases(xss)).some((r) => r.finishedAt !== null),
    );
    const pages = [
      `/ui/bundles/${xss}`,
      `/ui/confirm/deploy?bundle=${xss}&version=1.0.0&cluster=c2`,
      `/ui/rollouts/${xss}/1.0.0/dev`,
      `/?q=${xss}`,
    ];
    for (const path of pages) {
      await page.goto(`${daemon.base()}${path}`);
      if (!path.startsWith('/ui/rollouts') && !path.startsWith('/?'))
        expect(await mainText(page), path).toContain(`ConfigMap/${ns}/${EVIL}`);
      expect(await page.locator('script').count(), path).toBe(1);
      expect(await page.content(), path).not.toContain(EVIL);
    }
    expect(await page.locator(`tr[id="row-${xss}"]`).innerText()).toMatch(/1\.0\.0 failed/);
    expect(dialogs).toEqual([]);
  });

  it('every action answers 401 without the session cookie and 403 with a wrong CSRF token', async () => {
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const body = new URLSearchParams({ bundle: web, to: 'prod', version: '1.0.1', environment: 'prod', cluster: 'c1' });
    for (const action of ['promote', 'rollback', 'deploy', 'heal']) {
      const url = `${daemon.base()}/ui/actions/${action}`;
      const noCookie = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...Object.fromEntries(body), csrf: 'x' }),
      });
      expect(noCookie.status, action).toBe(401);
      const wrong = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ ...Object.fromEntries(body), csrf: 'not-the-token' }),
      });
      expect(wrong.status, action).toBe(403);
    }
    // Nothing was done: prod still runs 1.0.1 and its tag names it.
    expect(await tagDigest('prod')).toBe(await tagDigest('1.0.1'));
  });

  it('every view loads with the real data', async () => {
    const visit = async (path: string) => {
      const r = await page.goto(`${daemon.base()}${path}`);
      expect(r?.status(), path).toBe(200);
      return mainText(page);
    };
    expect(await visit(`/?q=${web}`)).toMatch(new RegExp(`${web} newest 1\\.0\\.2`));
    const bundle = await visit(`/ui/bundles/${web}`);
    expect(bundle).toMatch(/dev 1\.0\.1 .*prod 1\.0\.1/);
    expect(bundle).toMatch(/1\.0\.2 .*web: new build|1\.0\.2 [0-9a-f]{12} [0-9a-f]{12}/);
    expect(bundle).toContain('quarantined in dev');
    expect(bundle).toContain('apps/web.yaml');
    expect(bundle).toMatch(new RegExp(`ConfigMap/${ns}/web-config (configMapRef|envFrom)[^ ]* Deployment/${ns}/web`));
    expect(await visit(`/ui/bundles/${web}/diff?from=1.0.1&to=1.0.2`)).toMatch(
      /Deployment\/[^ ]+\/web.*metadata\.labels|spec\.template\.metadata\.labels/,
    );
    expect(await visit(`/ui/rollouts/${web}/1.0.1/prod`)).toContain('Healthy');
    expect(await visit('/ui/pipeline')).toMatch(new RegExp(`dev .*→ prod .*${web} 1\\.0\\.1 1\\.0\\.1`));
    expect(await visit('/ui/drift')).toContain('open finding');
  });
});
