/**
 * The daemon's HTTP listener: the Hono app of app.ts served by
 * @hono/node-server's request listener on a node:http server, with bounded
 * header and request times. Nothing thrown while serving a request ends the
 * process: the app's one error handler answers what a route throws, the
 * listener's error handler what never reached the app (a request it could
 * not read), and anything past both is logged and that connection dropped.
 * Requests node itself cannot parse (a header too large, a bad header
 * character, an unknown method) are answered by node (431, 400) before
 * they reach either. With `serve.metrics.listen`, `/metrics` has a listener
 * of its own (and is no longer on `serve.listen`); both close together.
 *
 * @example
 *   const http = await startHttpServer({ handle, listen: '127.0.0.1:7070', log });
 *   http.address // { host: '127.0.0.1', port: 7070 }
 *   await http.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { type DaemonHandle, type Logger, toDroverError, UnavailableError, UsageError } from '../lib/index.ts';
import { createApp, createMetricsApp } from './app.ts';
import type { AppEnv } from './app-env.ts';
import { listenerErrorHandler } from './error-handler.ts';

export interface HttpServer {
  address: { host: string; port: number };
  /** Where `/metrics` listens when `serve.metrics.listen` gives it a listener of its own. */
  metricsAddress?: { host: string; port: number };
  /** Closes every listener this started. */
  close(): Promise<void>;
}

/** `host:port` -> parts; `[::1]:7070` for IPv6. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`listen address must be host:port (got ${JSON.stringify(listen)})`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** A node:http server answering with `app`; whatever escapes the listener is logged and the connection dropped. */
export function serverFor({ app, log }: { app: Hono<AppEnv>; log: Logger }): Server {
  // @hono/node-server's own Request and Response stand in for the global ones (its default): Hono's body-limit
  // rebuilds a request from the one the listener made, which only its Request knows how to read.
  const listener = getRequestListener(app.fetch, { errorHandler: listenerErrorHandler(log) });
  return createServer(
    { requestTimeout: 300_000, headersTimeout: 30_000 },
    (req: IncomingMessage, res: ServerResponse) =>
      listener(req, res).catch((err: unknown) => {
        log.error('http response could not be written', {
          method: req.method,
          path: (req.url ?? '/').split('?')[0],
          error: toDroverError(err),
        });
        res.destroy();
      }),
  );
}

/** Listens on `listen`; a port in use or an address not ours is Drover's UnavailableError. */
export function listenOn({
  server,
  listen,
  log,
}: {
  server: Server;
  listen: string;
  log: Logger;
}): Promise<HttpServer> {
  const { host, port } = parseListen(listen);
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

export async function startHttpServer({
  handle,
  listen,
  log,
}: {
  handle: DaemonHandle;
  listen: string;
  log: Logger;
}): Promise<HttpServer> {
  const { publicUrl, metrics } = handle.ctx.ws.config.serve;
  const app = createApp({
    handle,
    log,
    metricsElsewhere: Boolean(metrics?.listen),
    ...(publicUrl ? { publicUrl: new URL(publicUrl) } : {}),
  });
  const main = await listenOn({ server: serverFor({ app, log }), listen, log });
  if (!metrics?.listen) return main;
  let own: HttpServer;
  try {
    own = await listenOn({
      server: serverFor({ app: createMetricsApp({ handle, log }), log }),
      listen: metrics.listen,
      log,
    });
  } catch (err) {
    await main.close();
    throw err;
  }
  log.info('metrics listening', { address: `${own.address.host}:${own.address.port}`, ...own.address });
  return {
    address: main.address,
    metricsAddress: own.address,
    close: async () => void (await Promise.all([main.close(), own.close()])),
  };
}
