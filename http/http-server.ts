/**
 * The daemon's HTTP listener (node:http): `/healthz` (the process is
 * alive), `/readyz` (recovery done, state open, not shutting down),
 * `/metrics` (Prometheus text, rendered by prom-client), the webhook receiver, the JSON API and the
 * web dashboard (`/` and `/ui/`, dashboard/routes.ts). Each
 * request is routed by the table in router.ts; token routes check the bearer
 * token first; errors become JSON with the error's own `httpStatus`. Request
 * logs carry method, path, status and duration, never headers or bodies.
 *
 * @example
 *   const http = await startHttpServer({ handle, listen: '127.0.0.1:7070', log });
 *   http.address // { host: '127.0.0.1', port: 7070 }
 *   await http.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DaemonHandle, type Logger, toDroverError, UnavailableError, UsageError } from '../lib/index.ts';
import { apiRoutes } from './api-routes.ts';
import { checkBearer } from './bearer-auth.ts';
import {
  droverErrorReply,
  errorReply,
  matchRoute,
  type Method,
  type Reply,
  renderReply,
  type Route,
} from './router.ts';
import { webhookRoutes } from './webhook-routes.ts';
import { dashboardRoutes } from './dashboard/routes.ts';

export interface HttpServer {
  address: { host: string; port: number };
  close(): Promise<void>;
}

/** `host:port` -> parts; `[::1]:7070` for IPv6. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`listen address must be host:port (got ${JSON.stringify(listen)})`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function probeRoutes(h: DaemonHandle): Route[] {
  return [
    { method: 'GET', path: '/healthz', auth: 'none', handler: () => ({ status: 200, json: { status: 'ok' } }) },
    {
      method: 'GET',
      path: '/readyz',
      auth: 'none',
      handler: () => {
        const s = h.status();
        return { status: s.ready && s.stateOpen && !s.shuttingDown ? 200 : 503, json: s };
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      // Behind the API token when drover.yaml asks (serve.metrics.requireToken): the metrics name bundles and clusters.
      auth: h.ctx.ws.config.serve.metrics?.requireToken ? 'token' : 'none',
      handler: async () => {
        const { registry } = h.ctx.metrics;
        return { status: 200, text: await registry.metrics(), contentType: registry.contentType };
      },
    },
  ];
}

export function allRoutes(h: DaemonHandle): Route[] {
  return [...probeRoutes(h), ...webhookRoutes(h), ...apiRoutes(h), ...dashboardRoutes(h)];
}

async function dispatch(routes: readonly Route[], h: DaemonHandle, req: IncomingMessage): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://drover.invalid');
  const m = matchRoute(routes, req.method ?? 'GET', url.pathname);
  if (m.kind === 'not-found') return errorReply(404, 'E_NOT_FOUND', `no route ${url.pathname}`);
  if (m.kind === 'method-not-allowed')
    return {
      ...errorReply(405, 'E_USAGE', `${req.method} not allowed on ${url.pathname}`),
      headers: { allow: m.allow.join(', ') },
    };
  if (m.route.auth === 'token') {
    const v = checkBearer({ authorization: req.headers.authorization, token: h.apiToken });
    if (v !== 'ok') {
      const message =
        v === 'unconfigured'
          ? 'the API is closed: no token is configured (set the variable serve.tokenEnv names)'
          : v === 'missing'
            ? 'missing bearer token'
            : 'invalid bearer token';
      return {
        ...errorReply(401, 'E_UNAUTHORIZED', message),
        headers: { 'www-authenticate': 'Bearer realm="drover"' },
      };
    }
  }
  try {
    return await m.route.handler({
      method: (req.method === 'HEAD' ? 'GET' : req.method) as Method,
      path: url.pathname,
      params: m.params,
      query: url.searchParams,
      headers: req.headers,
      req,
    });
  } catch (err) {
    return droverErrorReply(toDroverError(err));
  }
}

/** An internal error's reply without its message (the log keeps it); Drover's own 5xx errors (unavailable...) say theirs. */
function hideInternal(reply: Reply, log: Logger, req: IncomingMessage): Reply {
  const e = (reply.json as { error?: { code?: string; message?: string } } | undefined)?.error;
  if (e?.code !== 'E_INTERNAL') return reply;
  log.error('http handler failed', { method: req.method, path: (req.url ?? '/').split('?')[0], error: e });
  return errorReply(500, 'E_INTERNAL', 'internal error (the daemon logged it)');
}

/** The answer to anything thrown that is not Drover's own error: no internal message or stack to the reader; the log has it. */
function internalReply(log: Logger, err: unknown, req: IncomingMessage): Reply {
  log.error('http handler failed', {
    method: req.method,
    path: (req.url ?? '/').split('?')[0],
    error: toDroverError(err),
  });
  return errorReply(500, 'E_INTERNAL', 'internal error (the daemon logged it)');
}

/**
 * Writes a reply; nothing thrown while writing it (a header value a handler
 * got wrong, a client gone) may end the process: answered 500 if nothing
 * was sent yet, else the connection is dropped, and either way it is logged.
 */
export function sendSafely(res: ServerResponse, log: Logger, req: IncomingMessage, write: () => void): void {
  try {
    write();
  } catch (err) {
    log.error('http response could not be written', {
      method: req.method,
      path: (req.url ?? '/').split('?')[0],
      error: toDroverError(err),
    });
    if (res.headersSent) res.destroy();
    else {
      const r = renderReply(errorReply(500, 'E_INTERNAL', 'internal error (the daemon logged it)'));
      res.writeHead(r.status, r.headers);
      res.end(r.body);
    }
  }
}

export function startHttpServer({
  handle,
  listen,
  log,
}: {
  handle: DaemonHandle;
  listen: string;
  log: Logger;
}): Promise<HttpServer> {
  const routes = allRoutes(handle);
  const { host, port } = parseListen(listen);
  const server = createServer(
    { requestTimeout: 300_000, headersTimeout: 30_000 },
    (req: IncomingMessage, res: ServerResponse) => {
      const t0 = performance.now();
      void dispatch(routes, handle, req)
        .then((reply) => (reply.status >= 500 && reply.json ? hideInternal(reply, log, req) : reply))
        .catch((err: unknown) => internalReply(log, err, req))
        .then((reply) =>
          sendSafely(res, log, req, () => {
            if (reply.stream) {
              res.writeHead(reply.status, { 'cache-control': 'no-store', ...reply.headers });
              log.debug('http stream', {
                method: req.method,
                path: (req.url ?? '/').split('?')[0],
                status: reply.status,
              });
              reply.stream(res);
              return;
            }
            const r = renderReply(reply);
            res.writeHead(r.status, r.headers);
            res.end(req.method === 'HEAD' ? undefined : r.body);
            const path = (req.url ?? '/').split('?')[0];
            const level =
              path === '/healthz' || path === '/readyz' || path === '/metrics'
                ? 'debug'
                : r.status >= 500
                  ? 'warn'
                  : 'info';
            log[level]('http request', {
              method: req.method,
              path,
              status: r.status,
              ms: Math.round(performance.now() - t0),
            });
          }),
        );
    },
  );
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL'
          ? new UnavailableError(
              `cannot listen on ${listen}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`,
              { data: { listen }, cause: err },
            )
          : err,
      ),
    );
    server.listen(port, host, () => {
      server.removeAllListeners('error');
      server.on('error', (err) => log.error(`http listener: ${err.message}`, { error: err }));
      const a = server.address() as AddressInfo;
      resolve({
        address: { host: a.address, port: a.port },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            // Work is over when the listener closes: give a response being written a moment, no more.
            setTimeout(() => server.closeAllConnections(), 250).unref();
          }),
      });
    });
  });
}
