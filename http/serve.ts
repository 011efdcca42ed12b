/**
 * `drover serve`, put together at the top: the daemon's loop (from the
 * public API) with the HTTP server of this folder as its interface (probes,
 * `/metrics`, webhooks, the JSON API). The loop knows nothing of HTTP; the
 * HTTP side reaches the loop only through the handle it is given and the
 * public API.
 *
 * @example
 *   const stop = new AbortController();
 *   process.once('SIGTERM', () => stop.abort());
 *   await serveDaemon({ configPath: 'drover.yaml', env: process.env, stop: stop.signal, write: (l) => process.stderr.write(l) });
 */
import { runDaemon, type ServeOptions, type ServeSummary } from '../lib/index.ts';
import { startHttpServer } from './http-server.ts';

export async function serveDaemon(opts: Omit<ServeOptions, 'startInterface'>): Promise<ServeSummary> {
  return runDaemon({ ...opts, startInterface: ({ handle, listen, log }) => startHttpServer({ handle, listen, log }) });
}
