// The HTTP layer on a loopback port, with the daemon behind it replaced at
// its interface (DaemonHandle): every API route refuses without the right
// token, reads included; probes need none; webhooks are verified before
// anything parses their body. The real daemon is exercised in serve.int.test.ts.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DaemonHandle, DaemonStatus, Workspace } from '../lib/index.ts';
import { createDependencyTracker } from '../lib/loop/dependencies.ts';
import { createLogger } from '../lib/loop/log.ts';
import { createServeMetrics } from '../lib/loop/serve-metrics.ts';
import { allRoutes, type HttpServer, sendSafely, startHttpServer } from './http-server.ts';
import { signWebhookBody } from './verify-webhook.ts';

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function stubHandle({
  token,
  secret,
  status = {},
}: {
  token?: string;
  secret?: string;
  status?: Partial<DaemonStatus>;
}) {
  const woken: string[] = [];
  const ws = {
    config: {
      sources: [{ name: 'shop', url: 'http://git.example/shop.git', branch: 'main', schedule: '* * * * *' }],
      serve: { dashboard: { enabled: false, anonymousRead: false, sessionHours: 8 } },
    },
  } as unknown as Workspace;
  const handle: DaemonHandle = {
    ctx: (() => {
      const metrics = createServeMetrics();
      const log = createLogger({ write: () => {} });
      return {
        ws,
        env: {},
        log,
        metrics,
        deps: createDependencyTracker({ metrics, log, registry: 'oci-layout:///tmp/none' }),
        signal: new AbortController().signal,
      };
    })(),
    status: () => ({
      ready: true,
      shuttingDown: false,
      failing: [],
      recovery: 'done',
      stateOpen: true,
      startedAt: '2026-01-01T00:00:00.000Z',
      ...status,
    }),
    queue: () => ({ running: [], queued: [] }),
    wakeSource: (s) => void woken.push(s),
    wakeBundle: () => {},
    runExclusive: () => Promise.reject(new Error('not in this test')),
    actions: {
      cut: () => Promise.reject(new Error('not in this test')),
      plan: () => Promise.reject(new Error('not in this test')),
      deploy: () => Promise.reject(new Error('not in this test')),
      promote: () => Promise.reject(new Error('not in this test')),
      rollback: () => Promise.reject(new Error('not in this test')),
      heal: () => Promise.reject(new Error('not in this test')),
    },
    webhook: { secrets: secret ? { github: secret } : {}, shared: [], maxBodyBytes: 1024 },
    apiToken: token,
  };
  return { handle, woken };
}

async function serve(h: DaemonHandle) {
  const s = await startHttpServer({ handle: h, listen: '127.0.0.1:0', log: h.ctx.log });
  servers.push(s);
  return `http://127.0.0.1:${s.address.port}`;
}

const fill = (path: string) => path.replace(/:[a-z]+/g, 'x');

describe('http server', () => {
  it('refuses every API route without the right token, reads and actions alike', async () => {
    const { handle } = stubHandle({ token: 'tok-right' });
    const base = await serve(handle);
    const apiRoutes = allRoutes(handle).filter((r) => r.auth === 'token');
    expect(apiRoutes.length).toBeGreaterThanOrEqual(14);
    expect(apiRoutes.every((r) => r.path.startsWith('/api/v1/'))).toBe(true);
    for (const r of apiRoutes) {
      for (const authorization of [undefined, 'Bearer tok-wrong', 'Bearer tok-righ', 'Basic dG9rLXJpZ2h0']) {
        const res = await fetch(`${base}${fill(r.path)}`, {
          method: r.method,
          headers: authorization ? { authorization } : {},
          ...(r.method === 'POST' ? { body: '{}' } : {}),
        });
        expect([r.path, res.status, res.headers.get('www-authenticate')]).toEqual([
          r.path,
          401,
          'Bearer realm="drover"',
        ]);
      }
    }
    // The right token passes auth (the stub daemon then answers on its own).
    expect((await fetch(`${base}/api/v1/daemon`, { headers: { authorization: 'Bearer tok-right' } })).status).toBe(200);
  });

  it("a handler's own bug answers 500 without its message; the daemon's log has it", async () => {
    const { handle } = stubHandle({ token: 'tok-right' });
    const base = await serve(handle);
    // The stub daemon's cut rejects with a plain Error: a bug, not a Drover error.
    const res = await fetch(`${base}/api/v1/cut`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok-right', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toEqual({ code: 'E_INTERNAL', message: 'internal error (the daemon logged it)' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('/metrics needs the token when serve.metrics.requireToken says so, and only then', async () => {
    const open = await serve(stubHandle({ token: 'tok-right' }).handle);
    expect((await fetch(`${open}/metrics`)).status).toBe(200);
    const closed = stubHandle({ token: 'tok-right' }).handle;
    (closed.ctx.ws.config.serve as { metrics?: { requireToken: boolean } }).metrics = { requireToken: true };
    const base = await serve(closed);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer tok-right' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE drover_releases_total counter');
  });

  it('with no token configured, the API is closed, even to a guess of an empty token', async () => {
    const { handle } = stubHandle({});
    const base = await serve(handle);
    for (const authorization of [undefined, 'Bearer ', 'Bearer undefined']) {
      const res = await fetch(`${base}/api/v1/daemon`, { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/no token is configured/);
    }
  });

  it('serves probes without a token; readyz is 503 while shutting down or before recovery', async () => {
    const ready = await serve(stubHandle({}).handle);
    expect((await fetch(`${ready}/healthz`)).status).toBe(200);
    expect((await fetch(`${ready}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${ready}/metrics`);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await metrics.text()).toContain('# TYPE drover_releases_total counter');
    const stopping = await serve(stubHandle({ status: { shuttingDown: true, ready: false } }).handle);
    expect((await fetch(`${stopping}/readyz`)).status).toBe(503);
    expect((await fetch(`${stopping}/healthz`)).status).toBe(200);
    // A task that keeps failing is named in the body; readyz stays 200, so a one-replica hub stays in its Service.
    const stuck = { task: 'source:shop', attempts: 4, since: '2026-12-07T00:00:00.000Z', error: 'git unreachable' };
    const failing = await fetch(`${await serve(stubHandle({ status: { failing: [stuck] } }).handle)}/readyz`);
    expect(failing.status).toBe(200);
    expect(((await failing.json()) as { failing: unknown[] }).failing).toEqual([stuck]);
    const recovering = await serve(stubHandle({ status: { ready: false, recovery: 'pending' } }).handle);
    expect((await fetch(`${recovering}/readyz`)).status).toBe(503);
    expect((await fetch(`${ready}/nothing`)).status).toBe(404);
    expect((await fetch(`${ready}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('verifies a webhook before parsing it, and wakes the matching source only when it is genuine', async () => {
    const { handle, woken } = stubHandle({ secret: 'hook-secret' });
    const base = await serve(handle);
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${base}/hooks/github`, { method: 'POST', body, headers: { 'x-github-event': 'push', ...headers } }).then(
        (r) => r.status,
      );
    const bad = '{"repository": {"clone_url": ';
    expect(await post(bad, { 'x-hub-signature-256': signWebhookBody({ secret: 'other', body: bad }) })).toBe(401);
    expect(await post(bad, { 'x-hub-signature-256': signWebhookBody({ secret: 'hook-secret', body: bad }) })).toBe(400);
    const push = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: 'http://git.example/shop.git' } });
    expect(await post(push, { 'x-hub-signature-256': signWebhookBody({ secret: 'other', body: push }) })).toBe(401);
    expect(woken).toEqual([]);
    expect(await post(push, { 'x-hub-signature-256': signWebhookBody({ secret: 'hook-secret', body: push }) })).toBe(
      202,
    );
    expect(woken).toEqual(['shop']);
    // The same delivery again within ten minutes: refused, and nothing more is woken.
    expect(await post(push, { 'x-hub-signature-256': signWebhookBody({ secret: 'hook-secret', body: push }) })).toBe(
      409,
    );
    expect(woken).toEqual(['shop']);
    expect(
      await post('x'.repeat(2048), {
        'x-hub-signature-256': signWebhookBody({ secret: 'hook-secret', body: 'x'.repeat(2048) }),
      }),
    ).toBe(413);
    const webhooks = (await handle.ctx.metrics.webhooks.get()).values.map((v) => [v.labels, v.value]);
    expect(webhooks).toContainEqual([{ provider: 'github', result: 'unauthorized' }, 2]);
    expect(webhooks).toContainEqual([{ provider: 'github', result: 'too-large' }, 1]);
    expect(webhooks).toContainEqual([{ provider: 'github', result: 'replayed' }, 1]);
  });

  it('refuses every webhook when no secret is configured', async () => {
    const { handle, woken } = stubHandle({});
    const base = await serve(handle);
    const push = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: 'http://git.example/shop.git' } });
    for (const provider of ['github', 'gitlab', 'generic']) {
      const r = await fetch(`${base}/hooks/${provider}`, {
        method: 'POST',
        body: push,
        headers: {
          'x-hub-signature-256': signWebhookBody({ secret: '', body: push }),
          'x-gitlab-token': '',
          'x-drover-signature': signWebhookBody({ secret: '', body: push }),
        },
      });
      expect(r.status).toBe(401);
    }
    expect(woken).toEqual([]);
  });
});

describe('sendSafely: nothing written wrong ends the process', () => {
  it('a header value with CR/LF is answered 500 and logged; the server goes on serving', async () => {
    const logged: string[] = [];
    const log = createLogger({ write: (l) => logged.push(l) });
    const server = createServer((req, res) =>
      sendSafely(res, log, req, () => {
        res.writeHead(303, { location: req.url === '/bad' ? '/\r\nset-cookie: x=1' : '/ok' });
        res.end();
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const bad = await fetch(`${base}/bad`, { redirect: 'manual' });
      expect(bad.status).toBe(500);
      expect(bad.headers.get('set-cookie')).toBeNull();
      expect(await bad.text()).not.toContain('ERR_INVALID_CHAR');
      expect(logged.some((l) => l.includes('http response could not be written'))).toBe(true);
      const ok = await fetch(`${base}/good`, { redirect: 'manual' });
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')).toBe('/ok');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
