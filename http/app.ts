/**
 * The daemon's HTTP interface as one Hono app: the probes (`/healthz`,
 * `/readyz`), `/metrics` (unless it has a listener of its own), the webhook
 * receiver, the JSON API under `/api/v1` (behind the bearer token) and the
 * web dashboard (`/` and `/ui/`). Around every route: the request log
 * (method, path, status and duration, never headers or bodies), `Cache-Control:
 * no-store` on whatever sets no caching of its own, and a check of every
 * header the answer carries, so that a value node would refuse to write (a
 * CR/LF in a Location) is answered 500 by the one error handler rather than
 * thrown while the head is written. A path with no route is 404; a route
 * asked with another method is 405 with `Allow`.
 *
 * `app.request()` serves it without a socket, which is how the unit tests
 * use it; http-server.ts puts it on a listener.
 *
 * @example
 *   const app = createApp({ handle, log });
 *   const res = await app.request('/healthz'); // 200 {"status": "ok"}
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type DaemonHandle, type Logger, NotFoundError } from '../lib/index.ts';
import { apiRoutes } from './api-routes.ts';
import type { AppEnv } from './app-env.ts';
import { dashboardRoutes, isDashboardPath } from './dashboard/routes.ts';
import { errorHandler } from './error-handler.ts';
import { metricsRoutes, probeRoutes } from './probe-routes.ts';
import { webhookRoutes } from './webhook-routes.ts';

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/** Logs each request once it is answered: probes at debug, 5xx at warn, a live stream as a stream. */
function requestLog(log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const t0 = performance.now();
    await next();
    const fields = { method: c.req.method, path: c.req.path, status: c.res.status };
    if (c.res.headers.get('content-type')?.startsWith('text/event-stream')) return log.debug('http stream', fields);
    const level = PROBES.has(c.req.path) ? 'debug' : c.res.status >= 500 ? 'warn' : 'info';
    log[level]('http request', { ...fields, ms: Math.round(performance.now() - t0) });
  };
}

/** Whether node would write this header as it is. */
function writable(name: string, value: string): boolean {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
}

/** The first header of `res` node would refuse to write, or why its headers could not even be read. */
function unwritableHeader(res: Response): string | undefined {
  try {
    return [...res.headers].find(([name, value]) => !writable(name, value))?.[0];
  } catch {
    return '(unreadable)';
  }
}

/**
 * No caching unless the route said otherwise, and no header node would
 * refuse to write: such an answer is dropped whole, first, since Hono would
 * otherwise carry its headers over to the answer that replaces it, and the
 * one error handler answers 500 instead.
 */
const checkedAnswer: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const bad = unwritableHeader(c.res);
  if (bad === undefined) {
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
    return;
  }
  c.res = undefined;
  throw new Error(`the answer's ${bad} header holds a character HTTP does not allow`);
};

/** A route's path under another method: 405 with `Allow`; else 404. */
function notFound(app: Hono<AppEnv>, onError: ReturnType<typeof errorHandler>) {
  return (c: Context<AppEnv>) => {
    const path = c.req.path.length > 1 ? c.req.path.replace(/\/+$/, '') : c.req.path;
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    const allow = ['GET', 'POST'].filter(
      (m) => m !== method && app.router.match(m, path)[0].some(([[, route]]) => route.method === m),
    );
    if (!allow.length) return onError(new NotFoundError(`no route ${c.req.path}`), c);
    c.header('allow', allow.join(', '));
    return onError(new HTTPException(405, { message: `${c.req.method} not allowed on ${c.req.path}` }), c);
  };
}

/** An app with the request log, the answer check, the one error handler and the 404/405 answers, for `mount` to fill. */
function appWith({
  log,
  isPage,
  mount,
}: {
  log: Logger;
  isPage: (path: string) => boolean;
  mount: (app: Hono<AppEnv>) => void;
}): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const onError = errorHandler({ log, isPage });
  app.use('*', requestLog(log), checkedAnswer);
  mount(app);
  app.onError(onError);
  app.notFound(notFound(app, onError));
  return app;
}

/** The app of `serve.listen`: everything, `/metrics` included unless `metricsElsewhere`. */
export function createApp({
  handle,
  log,
  metricsElsewhere = false,
  publicUrl,
}: {
  handle: DaemonHandle;
  log: Logger;
  metricsElsewhere?: boolean;
  publicUrl?: URL;
}): Hono<AppEnv> {
  const dashboard = dashboardRoutes(handle, publicUrl ? { publicUrl } : {});
  return appWith({
    log,
    isPage: (path) => dashboard !== undefined && isDashboardPath(path),
    mount: (app) => {
      app.route('/', probeRoutes(handle));
      if (!metricsElsewhere) app.route('/', metricsRoutes(handle));
      app.route('/', webhookRoutes(handle));
      app.route('/api/v1', apiRoutes(handle));
      if (dashboard) app.route('/', dashboard);
    },
  });
}

/** The app of `serve.metrics.listen`: `/metrics` alone. */
export function createMetricsApp({ handle, log }: { handle: DaemonHandle; log: Logger }): Hono<AppEnv> {
  return appWith({ log, isPage: () => false, mount: (app) => app.route('/', metricsRoutes(handle)) });
}
