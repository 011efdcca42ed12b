// A daemon that no input can stop, shown against a real `drover serve`
// process (the real Git server, registry and one cluster behind it):
// - `curl` posts a login whose `next` is a TAB, a CR/LF, `//x`, `/\x` or
//   another origin: each is answered 303 with a location on serve's own
//   origin, and `startedAt` in /readyz is the same afterwards;
// - 2,000 malformed requests over raw sockets, 16 at a time (bad JSON to the
//   API, header values HTTP does not allow, a 64 KiB header, bodies cut short
//   by a closed socket, unknown routes, assets named after Object.prototype's
//   members, bad methods, bad request targets): every one that completes is
//   answered 4xx (431 for the huge header), none 5xx, the process never goes;
//   then /readyz is 200 with the same startedAt, and a commit pushed to the
//   Git source is cut and rolled out by the same process;
// - 20 failed logins from 127.0.0.2 (curl --interface) get 429 with
//   Retry-After from the eleventh on, while 127.0.0.1 still logs in; a
//   logged-out session's live stream is ended by the daemon.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { writeTestConfig } from '../fixtures/testenv/config.ts';
import { createRepo, git } from '../fixtures/testenv/git-server.ts';
import { type Daemon, startDaemon } from '../fixtures/testenv/serve-daemon.ts';
import { createNamespace, testEnv, uniqueName } from '../fixtures/testenv/use-env.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const c1 = env.clusters[0]!;
const scratch = mkdtempSync(join(tmpdir(), 'drover-hostile-'));
const ns = uniqueName('hostile');
const web = uniqueName('web');
const prefix = uniqueName('hostile');
const token = `tok-${uniqueName('api')}-${uniqueName('x')}`;
let work: string;
let drop: () => Promise<void>;
let daemon: Daemon;

function tree(level: string): Record<string, string> {
  return {
    'web.yaml': [
      stringify({
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Bundle',
        metadata: { name: web },
        spec: { namespace: ns, roots: [{ kind: 'Deployment', name: 'web' }] },
      }),
      stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: ns },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
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
      }),
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'web-config', namespace: ns },
        data: { LOG_LEVEL: level },
      }),
    ].join('---\n'),
  };
}

function writeTree(dir: string, files: Record<string, string>) {
  mkdirSync(dir, { recursive: true });
  for (const [p, text] of Object.entries(files)) writeFileSync(join(dir, p), text);
}

const startedAt = async () => {
  const r = await fetch(`${daemon.base()}/readyz`);
  return { status: r.status, startedAt: ((await r.json()) as { startedAt: string }).startedAt };
};
const devRuns = async () => {
  const r = await daemon.api(`/api/v1/bundles/${web}`);
  if (r.status !== 200) return undefined;
  return (r.json as { environments: { name: string; runs: string | null }[] }).environments.find(
    (e) => e.name === 'dev',
  )?.runs;
};

/**
 * Sends `data` on a raw socket and returns what came back before the server
 * closed it ('' when nothing did). `cut` closes our side once sent (a body
 * shorter than its Content-Length then never arrives whole).
 */
function raw(data: string | Buffer, { cut = false }: { cut?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = connect(daemon.port, '127.0.0.1');
    // A generous bound for a wait, not a measurement: every answer here is immediate.
    sock.setTimeout(60_000, () => sock.destroy());
    sock.on('data', (b) => chunks.push(b));
    sock.on('error', () => {});
    sock.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    sock.write(data, () => (cut ? sock.destroy() : undefined));
  });
}

const statusOf = (answer: string) => /^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1];

/** The 2,000 requests: each kind in turn, with what it must be answered. */
function hostileRequests(): { name: string; data: string; cut?: boolean; expect: RegExp }[] {
  const auth = `Authorization: Bearer ${token}\r\n`;
  const post = (path: string, body: string, extra = '') =>
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const get = (path: string, extra = '', method = 'GET') =>
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;
  const kinds = [
    { name: 'bad JSON to the API', data: post('/api/v1/cut', '{"source": ', auth), expect: /^400$/ },
    { name: 'JSON that is no object', data: post('/api/v1/deploy', '[1, 2]', auth), expect: /^400$/ },
    { name: 'bad JSON without the token', data: post('/api/v1/promote', '{{{'), expect: /^401$/ },
    { name: 'a control character in a header value', data: get('/healthz', 'X-Bad: a\u0001b\r\n'), expect: /^400$/ },
    { name: 'a header name with a space', data: get('/healthz', 'Bad Header: x\r\n'), expect: /^400$/ },
    { name: 'a 64 KiB header', data: get('/healthz', `X-Big: ${'a'.repeat(64 * 1024)}\r\n`), expect: /^431$/ },
    {
      name: 'a body cut short',
      data: `POST /api/v1/cut HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Length: 4096\r\n\r\n{"source"`,
      cut: true,
      expect: /^$|^4\d\d$/,
    },
    {
      name: 'a form cut short',
      data: `POST /ui/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9000\r\n\r\ntoken=`,
      cut: true,
      expect: /^$|^4\d\d$/,
    },
    { name: 'an unknown route', data: get('/nothing/here'), expect: /^404$/ },
    { name: 'an unknown API route', data: get('/api/v1/nothing', auth), expect: /^404$/ },
    ...['constructor', '__proto__', 'hasOwnProperty', 'toString'].map((a) => ({
      name: `asset ${a}`,
      data: get(`/ui/assets/${a}`),
      expect: /^404$/,
    })),
    { name: 'a method node does not know', data: get('/healthz', '', 'FROB'), expect: /^400$/ },
    { name: 'a method the route does not take', data: get('/readyz', '', 'DELETE'), expect: /^405$/ },
    { name: 'GET on an action', data: get('/api/v1/deploy', auth), expect: /^405$/ },
    { name: 'a backslash in the path', data: get('/ui\\assets\\dashboard.js'), expect: /^400$/ },
    { name: 'a bad Host', data: 'GET /healthz HTTP/1.1\r\nHost: a b!\r\nConnection: close\r\n\r\n', expect: /^400$/ },
    { name: 'not HTTP at all', data: 'hello\r\n\r\n', expect: /^400$/ },
    { name: 'a webhook with no signature', data: post('/hooks/github', '{"ref":'), expect: /^401$/ },
    {
      name: 'a login whose next has CR/LF',
      data: `POST /ui/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${
        `token=${encodeURIComponent(token)}&next=%2F%0D%0ASet-Cookie%3A+x%3D1`.length
      }\r\n\r\ntoken=${encodeURIComponent(token)}&next=%2F%0D%0ASet-Cookie%3A+x%3D1`,
      expect: /^303$/,
    },
  ];
  return Array.from({ length: 2000 }, (_, i) => kinds[i % kinds.length]!);
}

beforeAll(async () => {
  drop = await createNamespace(env, ns);
  const seed = join(scratch, 'seed');
  writeTree(seed, tree('info'));
  const url = await createRepo(env.git, { name: uniqueName('hostile'), fixtureDir: seed });
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  const ws = join(scratch, 'ws');
  mkdirSync(ws);
  writeTestConfig(env, ws, {
    clusters: [c1],
    // Never polled during the test: the startup cut, then the API's cut after the flood.
    sources: [{ name: 'shop', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${env.registry.host}/${prefix}`,
    environments: [{ name: 'dev', clusters: [c1.name], timeoutSeconds: 300 }],
  });
  daemon = await startDaemon({
    config: join(ws, 'drover.yaml'),
    cwd: ws,
    env: { DROVER_API_TOKEN: token },
    token,
  });
  await daemon.until('ready', async () => (await fetch(`${daemon.base()}/readyz`)).status === 200);
  await daemon.until(`${web}@1.0.0 in dev`, async () => (await devRuns()) === '1.0.0');
});

afterAll(async () => {
  await daemon?.kill();
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('hostile requests against drover serve', () => {
  it('curl: 20 failed logins from one address get 429 with Retry-After; another address still logs in', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 20; i++) {
      // From 127.0.0.2: loopback is a whole /8, so the limiter sees another client than the tests' own.
      const { stdout } = await execFileP('curl', [
        '--silent',
        '--show-error',
        '--include',
        '--output',
        '-',
        '--interface',
        '127.0.0.2',
        '--data-urlencode',
        `token=wrong-${i}`,
        `${daemon.base()}/ui/login`,
      ]);
      answers.push(stdout.split('\r\n\r\n')[0]!);
    }
    const statuses = answers.map(statusOf);
    expect(statuses.slice(0, 10)).not.toContain('429');
    expect(statuses.slice(10)).toEqual(Array(10).fill('429'));
    expect(Number(/^retry-after: (\d+)\s*$/im.exec(answers[19]!)?.[1])).toBeGreaterThan(0);
    const login = await fetch(`${daemon.base()}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, next: '/' }),
    });
    expect(login.status).toBe(303);
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly/i);
  });

  it("a logged-out session's live stream is closed by the daemon", async () => {
    const login = await fetch(`${daemon.base()}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, next: '/' }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${daemon.base()}/`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const stream = await fetch(`${daemon.base()}/ui/events?bundles=${web}`, { headers: { cookie } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain(': connected');
    const out = await fetch(`${daemon.base()}/ui/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }),
    });
    expect(out.status).toBe(303);
    // Read until the daemon ends the stream; a generous bound for the wait, not a measurement.
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })();
    const bound = new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 60_000).unref());
    expect(await Promise.race([ended, bound])).toBe('ended');
  }, 90_000);

  it('curl: a login with a hostile next is sent to a page of its own origin, and the process stays', async () => {
    const before = await startedAt();
    const origin = new URL(daemon.base()).origin;
    for (const next of ['/\t/example.org/', '/\r\n/x', '//x', '/\\x', 'https://other.example/']) {
      const { stdout } = await execFileP('curl', [
        '--silent',
        '--show-error',
        '--include',
        '--output',
        '-',
        '--data-urlencode',
        `token=${token}`,
        '--data-urlencode',
        `next=${next}`,
        `${daemon.base()}/ui/login`,
      ]);
      const head = stdout.split('\r\n\r\n')[0]!;
      expect(statusOf(head), JSON.stringify(next)).toBe('303');
      const location = /^location: (.*)$/im.exec(head)![1]!;
      expect(location, JSON.stringify(next)).toMatch(/^\/(?!\/)[^\s\\]*$/);
      expect(new URL(location, origin).origin).toBe(origin);
    }
    expect(await startedAt()).toEqual(before);
    expect(daemon.proc.exitCode).toBeNull();
  });

  it('answers 2,000 malformed requests with 4xx, stays up with the same startedAt, and keeps reconciling', async () => {
    const before = await startedAt();
    expect(before.status).toBe(200);
    const requests = hostileRequests();
    const seen = new Map<string, Set<string>>();
    let unanswered = 0;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < requests.length; i = next++) {
        const r = requests[i]!;
        const status = statusOf(await raw(r.data, { cut: r.cut ?? false })) ?? '';
        if (!status) unanswered++;
        const s = seen.get(r.name) ?? new Set<string>();
        s.add(status);
        seen.set(r.name, s);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const kinds = new Map(requests.map((r) => [r.name, r]));
    for (const [name, statuses] of seen)
      for (const status of statuses)
        expect(status, `${name} was answered ${status || 'nothing'}`).toMatch(kinds.get(name)!.expect);
    // Only the requests whose socket we closed ourselves may go unanswered.
    expect(unanswered).toBeLessThanOrEqual(requests.filter((r) => r.cut).length);
    expect(daemon.proc.exitCode).toBeNull();
    expect(await startedAt()).toEqual(before);

    // The same process goes on reconciling: a pushed commit is cut and rolled out to dev.
    writeTree(work, tree('debug'));
    await git(work, ['add', '-A']);
    await git(work, ['commit', '--quiet', '-m', `${web}: debug logging`]);
    await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
    const cut = await fetch(`${daemon.base()}/api/v1/cut`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'shop' }),
    });
    expect(cut.status).toBe(200);
    await daemon.until(`${web}@1.0.1 in dev`, async () => (await devRuns()) === '1.0.1');
    expect(await startedAt()).toEqual(before);
    // Nothing the flood sent was logged as a bug, and the token never reached the log.
    expect(daemon.lines.filter((l) => l.msg === 'http handler failed' || l.msg === 'http request failed')).toEqual([]);
    expect(daemon.stderr()).not.toContain(token);
  });
});
