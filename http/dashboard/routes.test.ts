// The dashboard over a real HTTP listener and a real workspace (state in a
// temp dir, an on-disk registry, no cluster), with the daemon's loop replaced
// at its interface (DaemonHandle): who may look and act, the session cookie,
// CSRF, the security headers and the live stream's framing. The browser
// test (dashboard.int.test.ts) runs the real daemon against real clusters.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSEStreamingApi } from 'hono/streaming';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type DaemonHandle, openWorkspace, type Workspace } from '../../lib/index.ts';
import { createChangeFeed } from '../../lib/loop/changes.ts';
import { createDependencyTracker } from '../../lib/loop/dependencies.ts';
import { createLogger } from '../../lib/loop/log.ts';
import { createServeMetrics } from '../../lib/loop/serve-metrics.ts';
import { type HttpServer, startHttpServer } from '../http-server.ts';
import { safeNext } from './routes.ts';

const scratch = mkdtempSync(join(tmpdir(), 'drover-dashboard-'));
const servers: HttpServer[] = [];
const workspaces: Workspace[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => {
  for (const w of workspaces) w.close();
  rmSync(scratch, { recursive: true, force: true });
});

const TOKEN = 'tok-dashboard-right-0123456789';

async function serve({ anonymousRead = false, publicUrl }: { anonymousRead?: boolean; publicUrl?: string } = {}) {
  const dir = mkdtempSync(join(scratch, 'ws-'));
  writeFileSync(
    join(dir, 'drover.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      sources: [{ name: 'shop', url: join(dir, 'nowhere') }],
      registry: `oci-layout://${join(dir, 'registry')}`,
      clusters: [{ name: 'c1', context: 'c1' }],
      environments: [{ name: 'dev', clusters: ['c1'] }],
      serve: { dashboard: { anonymousRead }, ...(publicUrl ? { publicUrl } : {}) },
    }),
  );
  const ws = await openWorkspace({ configPath: join(dir, 'drover.yaml') });
  workspaces.push(ws);
  const called: string[] = [];
  const metrics = createServeMetrics();
  const logged: string[] = [];
  const log = createLogger({ write: (l) => void logged.push(l) });
  const changes = createChangeFeed();
  const refuse = (what: string) => () => {
    called.push(what);
    return Promise.reject(new Error('not in this test'));
  };
  const handle: DaemonHandle = {
    ctx: {
      ws,
      log,
      metrics,
      deps: createDependencyTracker({ metrics, log, registry: ws.config.registry }),
      signal: new AbortController().signal,
      changes,
    },
    status: () => ({
      ready: true,
      shuttingDown: false,
      failing: [],
      recovery: 'done',
      stateOpen: true,
      startedAt: '2026-01-01T00:00:00.000Z',
    }),
    queue: () => ({ running: [], queued: [] }),
    wakeSource: () => {},
    wakeBundle: () => {},
    runExclusive: () => Promise.reject(new Error('not in this test')),
    actions: {
      cut: refuse('cut'),
      plan: refuse('plan'),
      deploy: refuse('deploy'),
      promote: refuse('promote'),
      rollback: refuse('rollback'),
      heal: refuse('heal'),
    },
    webhook: { secrets: {}, shared: [], maxBodyBytes: 1024 },
    apiToken: TOKEN,
  };
  const s = await startHttpServer({ handle, listen: '127.0.0.1:0', log });
  servers.push(s);
  return { base: `http://127.0.0.1:${s.address.port}`, called, changes, ws, logged };
}

async function login(base: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${base}/ui/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: TOKEN, next: '/' }),
  });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await fetch(`${base}/`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  return { cookie, csrf };
}

const ACTIONS = ['promote', 'rollback', 'deploy', 'heal'];

describe('dashboard', () => {
  it('sends a reader without a session to the login page, and lets them in with the API token only', async () => {
    const { base } = await serve();
    const r = await fetch(`${base}/?q=web`, { redirect: 'manual' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/ui/login?next=%2F%3Fq%3Dweb');
    const wrong = await fetch(`${base}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'tok-wrong' }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('That is not the API token');
    const ok = await fetch(`${base}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKEN, next: '/?q=web' }),
    });
    expect(ok.headers.get('location')).toBe('/?q=web');
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^drover_session=[A-Za-z0-9_-]{40,}; /);
    expect(cookie.split('; ')).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']));
    expect(cookie).not.toContain(TOKEN);
    const page = await fetch(`${base}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('<h1>Overview</h1>');
    expect(text).toContain('No bundles yet');
    expect(text).not.toContain(TOKEN);
  });

  it('never sends the browser to another origin after login', () => {
    expect(safeNext('/ui/drift?bundle=web')).toBe('/ui/drift?bundle=web');
    for (const bad of ['//evil.example/', 'https://evil.example/', '/\\evil.example', '', null, undefined])
      expect(safeNext(bad)).toBe('/');
    // A TAB is dropped by browsers (`/<TAB>/evil` is `//evil`), a CR/LF would reach the Location header.
    for (const bad of [
      '/\t/evil.example/',
      '/\r\nset-cookie: x=1',
      '/ui\u0000',
      '/\u007f',
      'ui/drift',
      '/..//evil.example',
    ])
      expect(safeNext(bad), JSON.stringify(bad)).toMatch(/^\/(?!\/)/);
    expect(safeNext('/\t/evil.example/')).toBe('/');
    expect(safeNext('/ui/bundles/web#versions')).toBe('/ui/bundles/web#versions');
    // Against serve.publicUrl's origin: the same rule, with that origin.
    expect(safeNext('/ui/drift', 'https://drover.example.com')).toBe('/ui/drift');
    for (const bad of ['//other.example/', '/..//other.example', '/\\other.example'])
      expect(safeNext(bad, 'https://drover.example.com'), bad).toBe('/');
  });

  it('under an https serve.publicUrl, logs in with a Secure __Host- cookie whatever the proxy says, and keeps next on that origin', async () => {
    const { base } = await serve({ publicUrl: 'https://drover.example.com' });
    const logIn = (next: string, headers: Record<string, string> = {}) =>
      fetch(`${base}/ui/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ token: TOKEN, next }),
      });
    for (const headers of [{}, { 'x-forwarded-proto': 'http' }] as Record<string, string>[]) {
      const ok = await logIn('/ui/drift?bundle=web', headers);
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')).toBe('/ui/drift?bundle=web');
      const cookie = ok.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^__Host-drover_session=[A-Za-z0-9_-]{40,}; /);
      expect(cookie.split('; ')).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/', 'Secure']));
      expect(cookie).not.toMatch(/Domain=/i);
      // The prefixed cookie is the session: the overview opens with it.
      expect((await fetch(`${base}/`, { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
    }
    for (const bad of ['//drover.example.com.evil/', 'https://drover.example.com/', '/\\x', '/\t/x'])
      expect((await logIn(bad)).headers.get('location'), bad).toBe('/');
  });

  it('a login whose next carries CR/LF or a TAB lands on /, with no header of its making', async () => {
    const { base } = await serve();
    for (const next of ['/\r\nset-cookie: x=1', '/%0D%0Aset-cookie: x=1', '/\t/evil.example/']) {
      const res = await fetch(`${base}/ui/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${encodeURIComponent(TOKEN)}&next=${next.startsWith('/%') ? next : encodeURIComponent(next)}`,
      });
      expect([next, res.status, res.headers.get('location')]).toEqual([next, 303, '/']);
      expect(res.headers.get('set-cookie')).toMatch(/^drover_session=/);
    }
  });

  it("a page's own bug is a 500 page that says nothing of it; the daemon's log has it", async () => {
    const { base, ws, logged } = await serve({ anonymousRead: true });
    // The state closed under the dashboard: every read of it now throws, which no page expects.
    ws.close();
    const res = await fetch(`${base}/ui/pipeline`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('internal error (the daemon logged it)');
    expect(text).not.toMatch(/database|sqlite|at .*\.ts:\d+/i);
    expect(logged.some((l) => l.includes('http handler failed') && l.includes('/ui/pipeline'))).toBe(true);
  });

  it('answers failed logins from one address 429 with Retry-After after ten; the right token waits too', async () => {
    const { base } = await serve();
    const attempt = (token: string) =>
      fetch(`${base}/ui/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, next: '/' }),
      });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 20; i++) {
      const res = await attempt(`wrong-${i}`);
      statuses.push(res.status);
      retryAfter = res.headers.get('retry-after') ?? retryAfter;
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(10).fill(429));
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const right = await attempt(TOKEN);
    expect(right.status).toBe(429);
    expect(await right.text()).toMatch(/Too many failed logins from here: try again in \d+ s/);
  });

  it('answers every action 401 without a session and 403 with a wrong or missing CSRF token, and runs none', async () => {
    const { base, called } = await serve({ anonymousRead: true });
    const { cookie, csrf } = await login(base);
    const form = (extra: Record<string, string>) => ({
      method: 'POST',
      redirect: 'manual' as const,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(extra.cookie ? { cookie: extra.cookie } : {}),
      },
      body: new URLSearchParams({
        bundle: 'web',
        to: 'dev',
        version: '1.0.0',
        environment: 'dev',
        cluster: 'c1',
        ...(extra.csrf !== undefined ? { csrf: extra.csrf } : {}),
      }),
    });
    for (const a of [...ACTIONS.map((x) => `/ui/actions/${x}`), '/ui/logout']) {
      expect(await fetch(`${base}${a}`, form({ csrf })).then((r) => r.status), `${a} without a session`).toBe(401);
      expect(
        await fetch(`${base}${a}`, form({ cookie, csrf: `${csrf}x` })).then((r) => r.status),
        `${a} with a wrong token`,
      ).toBe(403);
      expect(await fetch(`${base}${a}`, form({ cookie })).then((r) => r.status), `${a} with no token`).toBe(403);
    }
    expect(called).toEqual([]);
    // With the right token the action is attempted (and refused here by the unknown bundle, before the daemon is asked).
    const r = await fetch(`${base}/ui/actions/promote`, form({ cookie, csrf }));
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('no bundle named web');
  });

  it('lets anyone look only when anonymousRead says so, and still never act', async () => {
    const closed = await serve();
    expect((await fetch(`${closed.base}/ui/pipeline`, { redirect: 'manual' })).status).toBe(303);
    expect((await fetch(`${closed.base}/ui/events`)).status).toBe(401);
    const open = await serve({ anonymousRead: true });
    const page = await fetch(`${open.base}/ui/pipeline`);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('<strong>dev</strong>');
    expect(text).toContain('Log in');
    expect(text).not.toContain('name="csrf"');
  });

  it('sends security headers, and serves only its own assets', async () => {
    const { base } = await serve({ anonymousRead: true });
    const r = await fetch(`${base}/`);
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const js = await fetch(`${base}/ui/assets/dashboard.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain("from './idiomorph-0.8.0.esm.js'");
    expect((await fetch(`${base}/ui/assets/idiomorph-0.8.0.esm.js`)).status).toBe(200);
    expect((await fetch(`${base}/ui/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${base}/ui/assets/routes.ts`)).status).toBe(404);
    // Names of Object.prototype's members are no assets: 404, never a 500.
    for (const name of ['constructor', '__proto__', 'hasOwnProperty', 'toString']) {
      const r = await fetch(`${base}/ui/assets/${name}`);
      expect([name, r.status, await r.text()]).toEqual([name, 404, 'no such asset\n']);
    }
    // An unknown dashboard path is a page too: 404 as HTML, with the security headers.
    const missing = await fetch(`${base}/ui/nothing`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(missing.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it("a session's live stream ends when the session is logged out; a session opens at most 8 at once", async () => {
    const { base } = await serve();
    const { cookie, csrf } = await login(base);
    const res = await fetch(`${base}/ui/events?bundles=web`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain(': connected');
    const more = await Promise.all(
      Array.from({ length: 8 }, () => fetch(`${base}/ui/events?bundles=web`, { headers: { cookie } })),
    );
    expect(more.map((r) => r.status).sort()).toEqual([...Array(7).fill(200), 429]);
    const out = await fetch(`${base}/ui/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }),
    });
    expect(out.status).toBe(303);
    // The stream ends by itself within a few checks: read until done (the test's own timeout is the bound).
    for (;;) if ((await reader.read()).done) break;
    for (const r of more) await r.body?.cancel();
  }, 30_000);

  it('streams a change to a page that shows the bundle, as one Server-Sent Event', async () => {
    const { base, changes } = await serve({ anonymousRead: true });
    const ac = new AbortController();
    const res = await fetch(`${base}/ui/events?bundles=web`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    const read = async (until: string) => {
      let text = '';
      while (!text.includes(until)) text += new TextDecoder().decode((await reader.read()).value);
      return text;
    };
    expect(await read(': connected')).toContain('retry: 3000');
    changes.emit({ bundle: 'api', kind: 'release' });
    changes.emit({ bundle: 'web', kind: 'release' });
    changes.emit({ bundle: 'web', kind: 'version' });
    const got = await read('data: web');
    expect(got).toContain('event: change\ndata: web\n\n');
    expect(got).not.toContain('data: api');
    ac.abort();
    // A multi-line row stays one event: every line of its data prefixed (Hono's framing, as the stream writes it).
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const sse = new SSEStreamingApi(writable, readable);
    const framed = new Response(sse.responseReadable).text();
    await sse.writeSSE({ event: 'row', data: '<tr>\n<td>x</td>\n</tr>' });
    await sse.close();
    expect(await framed).toBe('event: row\ndata: <tr>\ndata: <td>x</td>\ndata: </tr>\n\n');
  });
});
