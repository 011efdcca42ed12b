// The HTTP layer on a loopback port, with the daemon behind it replaced at
// its interface (DaemonHandle): every API route refuses without the right
// token, reads included; probes need none; webhooks are verified before
// anything parses their body. The real daemon is exercised in serve.int.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { stubHandle } from '../fixtures/http/stub-handle.ts';
import type { DaemonHandle } from '../lib/index.ts';
import { createApp } from './app.ts';
import { type HttpServer, listenOn, serverFor, startHttpServer } from './http-server.ts';
import { signWebhookBody } from './verify-webhook.ts';

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

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
    // Every route the app has under /api/v1 (the app's own table), each asked without the right token.
    const apiRoutes = createApp({ handle, log: handle.ctx.log }).routes.filter(
      (r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL',
    );
    expect(apiRoutes.length).toBeGreaterThanOrEqual(14);
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

  it('serves /metrics on its own listener when serve.metrics.listen says so, token and all, and closes both', async () => {
    const { handle } = stubHandle({
      token: 'tok-right',
      serve: { metrics: { requireToken: true, listen: '127.0.0.1:0' } },
    });
    const s = await startHttpServer({ handle, listen: '127.0.0.1:0', log: handle.ctx.log });
    const base = `http://127.0.0.1:${s.address.port}`;
    const metricsBase = `http://127.0.0.1:${s.metricsAddress!.port}`;
    expect(s.metricsAddress!.port).not.toBe(s.address.port);
    try {
      expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer tok-right' } })).status).toBe(404);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${metricsBase}/metrics`)).status).toBe(401);
      const ok = await fetch(`${metricsBase}/metrics`, { headers: { authorization: 'Bearer tok-right' } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('# TYPE drover_releases_total counter');
      // Nothing else is on the metrics listener.
      for (const path of ['/healthz', '/api/v1/daemon', '/ui/login'])
        expect((await fetch(`${metricsBase}${path}`, { headers: { authorization: 'Bearer tok-right' } })).status).toBe(
          404,
        );
    } finally {
      await s.close();
    }
    for (const url of [`${base}/healthz`, `${metricsBase}/metrics`]) await expect(fetch(url), url).rejects.toThrow();
    // Without a token required, its own listener serves it to anyone.
    const open = stubHandle({ serve: { metrics: { requireToken: false, listen: '127.0.0.1:0' } } }).handle;
    const o = await startHttpServer({ handle: open, listen: '127.0.0.1:0', log: open.ctx.log });
    servers.push(o);
    expect((await fetch(`http://127.0.0.1:${o.metricsAddress!.port}/metrics`)).status).toBe(200);
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
    const healthz = await fetch(`${ready}/healthz`);
    expect(healthz.status).toBe(200);
    // JSON as it always was: pretty, a final newline, its length and type said, never cached.
    const text = await healthz.text();
    expect(text).toBe('{\n  "status": "ok"\n}\n');
    expect(healthz.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(healthz.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(healthz.headers.get('cache-control')).toBe('no-store');
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

  it('reads a webhook sent in chunks (no Content-Length) whole under the cap, and refuses it past the cap', async () => {
    const { handle, woken } = stubHandle({ secret: 'hook-secret' });
    const base = await serve(handle);
    const { request } = await import('node:http');
    const chunked = (body: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `${base}/hooks/github`,
          {
            method: 'POST',
            headers: {
              'x-github-event': 'push',
              'transfer-encoding': 'chunked',
              'x-hub-signature-256': signWebhookBody({ secret: 'hook-secret', body }),
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        req.on('error', reject);
        for (let i = 0; i < body.length; i += 100) req.write(body.slice(i, i + 100));
        req.end();
      });
    const push = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: 'http://git.example/shop.git' } });
    expect(await chunked(push)).toBe(202);
    expect(woken).toEqual(['shop']);
    expect(await chunked(`${push}${' '.repeat(2048)}`)).toBe(413);
    expect(woken).toEqual(['shop']);
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

describe('nothing written wrong ends the process', () => {
  it('a header value HTTP does not allow is answered 500 and logged; the server goes on serving', async () => {
    const logged: string[] = [];
    const { handle } = stubHandle({ write: (l) => void logged.push(l) });
    const app = createApp({ handle, log: handle.ctx.log });
    // A handler that got a header wrong: CR/LF (refused as it is set), and a control character node refuses as it writes.
    app.get('/bad-crlf', (c) => c.body('', 303, { location: '/\r\nset-cookie: x=1' }));
    app.get('/bad-ctl', (c) => c.body('', 303, { location: '/\u0001x', 'set-cookie': 'y=1' }));
    app.get('/good', (c) => c.body('', 303, { location: '/ok' }));
    const s = await listenOn({
      server: serverFor({ app, log: handle.ctx.log }),
      listen: '127.0.0.1:0',
      log: handle.ctx.log,
    });
    servers.push(s);
    const base = `http://127.0.0.1:${s.address.port}`;
    for (const path of ['/bad-crlf', '/bad-ctl']) {
      const bad = await fetch(`${base}${path}`, { redirect: 'manual' });
      expect(bad.status, path).toBe(500);
      expect(bad.headers.get('set-cookie'), path).toBeNull();
      expect(bad.headers.get('location'), path).toBeNull();
      expect(await bad.json(), path).toEqual({
        error: { code: 'E_INTERNAL', message: 'internal error (the daemon logged it)' },
      });
    }
    expect(logged.filter((l) => l.includes('http handler failed'))).toHaveLength(2);
    const ok = await fetch(`${base}/good`, { redirect: 'manual' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/ok');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('a request the listener cannot read is answered 400, not dropped', async () => {
    const { handle } = stubHandle({});
    const base = await serve(handle);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/healthz`, { headers: { host: 'bad host!' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
