// The hub's private signing key never leaves its signer (issue #27, part 5):
// a real `drover serve` holding the key in an environment variable cuts a
// version from a real Git repository, signs it, deploys it to a real
// cluster of an environment that requires signatures, and is then read
// through every API route, /metrics, /readyz and the dashboard's pages.
// Each line of the key's base64 body, and the whole body on one line, is
// then searched for in the daemon's logs, every answer, its state folder and
// the registry's storage: 0 hits. The key's public half is in the registry
// (its id in the signature), which shows the search looks at the right
// places.
import { execFile } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { writeTestConfig } from '../fixtures/testenv/config.ts';
import { droverCli } from '../fixtures/testenv/drover-cli.ts';
import { configMapBundleYaml } from '../fixtures/testenv/manifests.ts';
import { type Daemon, startDaemon } from '../fixtures/testenv/serve-daemon.ts';
import { createNamespace, testEnv, uniqueName } from '../fixtures/testenv/use-env.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
const scratch = mkdtempSync(join(tmpdir(), 'drover-key-secrecy-'));
const repo = join(scratch, 'repo');
const ws = join(scratch, 'ws');
const ns = uniqueName('ksec');
const prefix = uniqueName('ksec');
const web = uniqueName('web');
const token = `tok-${uniqueName('api')}`;
const run = promisify(execFile);
const git = (args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo });
let drop: () => Promise<void>;
let daemon: Daemon;
let pem: string;

beforeAll(async () => {
  drop = await createNamespace(env, ns, [c1]);
  mkdirSync(join(repo, 'apps'), { recursive: true });
  mkdirSync(ws);
  writeFileSync(join(repo, 'apps', 'web.yaml'), configMapBundleYaml({ bundle: web, namespace: ns, level: 'one' }));
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '-A']);
  await git(['commit', '-qm', 'one']);
  // The key is made by Drover itself, then handed to serve only through the environment.
  const keys = join(scratch, 'keys');
  expect((await droverCli(ws)(['keys', 'generate', '--dir', keys])).code).toBe(0);
  pem = readFileSync(join(keys, 'drover.key'), 'utf8');
  rmSync(join(keys, 'drover.key'));
  writeTestConfig(env, ws, {
    sources: [{ name: 'apps', url: repo }],
    registry: `oci://${env.registry.host}/${prefix}`,
    state: join(ws, '.drover', 'state.db'),
    clusters: [c1],
    environments: [{ name: 'dev', clusters: [c1.name], requireSignatures: true }],
    signing: { keyEnv: 'DROVER_TEST_SIGNING_KEY' },
  });
  daemon = await startDaemon({
    config: join(ws, 'drover.yaml'),
    cwd: ws,
    env: { DROVER_API_TOKEN: token, DROVER_TEST_SIGNING_KEY: pem },
    token,
  });
}, 120_000);

afterAll(async () => {
  await daemon?.kill();
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the hub signing key', () => {
  it('signs and deploys, and is nowhere in logs, API answers, pages, state or the registry', async () => {
    onTestFailed(() => console.error(daemon.stderr().split('\n').slice(-40).join('\n')));
    await daemon.until(
      `${web}@1.0.0 running in dev`,
      async () => {
        const r = await daemon.api(`/api/v1/bundles/${web}`);
        const envs = (r.json as { environments?: { name: string; runs: string | null }[] }).environments;
        return r.status === 200 && envs?.find((e) => e.name === 'dev')?.runs === '1.0.0';
      },
      120_000,
    );
    // dev requires signatures: running there means serve's gate verified what serve signed.
    const keyId = createHash('sha256')
      .update(
        createPublicKey(readFileSync(join(scratch, 'keys', 'drover.pub'), 'utf8')).export({
          type: 'spki',
          format: 'der',
        }),
      )
      .digest('hex');

    const answers: string[] = [];
    const read = async (path: string, headers: Record<string, string>) => {
      const r = await fetch(`${daemon.base()}${path}`, { headers, redirect: 'manual' });
      answers.push(`${path} ${r.status}\n${[...r.headers].join('\n')}\n${await r.text()}`);
    };
    const bearer = { authorization: `Bearer ${token}` };
    for (const path of [
      '/api/v1/daemon',
      '/api/v1/bundles',
      `/api/v1/bundles/${web}`,
      `/api/v1/bundles/${web}/versions`,
      `/api/v1/bundles/${web}/versions/1.0.0`,
      `/api/v1/bundles/${web}/events`,
      '/api/v1/sources',
      '/api/v1/environments',
      '/api/v1/clusters',
      '/api/v1/status',
      '/api/v1/releases',
      '/api/v1/quarantine',
      '/api/v1/drift',
      '/metrics',
      '/readyz',
      '/healthz',
    ])
      await read(path, bearer);
    const login = await fetch(`${daemon.base()}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, next: '/' }),
    });
    expect(login.status).toBe(303);
    const cookie = { cookie: login.headers.get('set-cookie')!.split(';')[0]! };
    for (const path of ['/', `/ui/bundles/${web}`, '/ui/pipeline', '/ui/drift']) await read(path, cookie);
    expect(answers.filter((a) => / 200\n/.test(a)).length).toBe(answers.length);

    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
    expect(body.length).toBeGreaterThan(0);
    const needles = [...body, body.join('')];
    const texts = [daemon.stderr(), answers.join('\n')];
    const places = [env.registry.storage, join(ws, '.drover')];
    for (const needle of needles) {
      for (const text of texts) expect(text).not.toContain(needle);
      const grep = await run('grep', ['-rlF', needle, ...places]).catch((e: { code: number; stdout: string }) => e);
      expect('code' in grep ? grep.code : 0, `found in ${grep.stdout}`).toBe(1); // 1: no match anywhere
    }
    // The search reaches what serve wrote: the signature naming the key id is in the registry's storage.
    const found = await run('grep', ['-rlF', keyId, env.registry.storage]).catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect('code' in found ? found.code : 0).toBe(0);
  }, 240_000);
});
