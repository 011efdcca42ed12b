/**
 * The probes and the metrics endpoint: `/healthz` (the process is alive),
 * `/readyz` (recovery done, state open, not shutting down; its body names
 * the tasks that keep failing, and stays 200 for them) and `/metrics`
 * (Prometheus text, rendered by prom-client), behind the API token when
 * `serve.metrics.requireToken` says so, on whichever listener serves it.
 *
 * @example
 *   app.route('/', probeRoutes(h));   // /healthz, /readyz
 *   app.route('/', metricsRoutes(h)); // /metrics
 */
import { Hono } from 'hono';
import type { DaemonHandle } from '../lib/index.ts';
import type { AppEnv } from './app-env.ts';
import { requireBearer } from './bearer-auth.ts';
import { jsonReply } from './reply.ts';

export function probeRoutes(h: DaemonHandle): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.get('/healthz', (c) => jsonReply(c, 200, { status: 'ok' }));
  app.get('/readyz', (c) => {
    const s = h.status();
    return jsonReply(c, s.ready && s.stateOpen && !s.shuttingDown ? 200 : 503, s);
  });
  return app;
}

export function metricsRoutes(h: DaemonHandle): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  // Behind the API token when drover.yaml asks (serve.metrics.requireToken): the metrics name bundles and clusters.
  if (h.ctx.ws.config.serve.metrics?.requireToken)
    app.use(
      '/metrics',
      requireBearer(() => h.apiToken),
    );
  app.get('/metrics', async (c) => {
    const { registry } = h.ctx.metrics;
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });
  return app;
}
