/**
 * The registry client's HTTP: the part of `fetch` it uses, over node:http
 * and node:https. Why not `globalThis.fetch`: Node's fetch is undici, and
 * loading it costs about 8 MB of RSS for the life of the process (a bare
 * Node 24 with node:https and web streams: 51 MB; after one fetch: 58 MB),
 * while `drover agent` runs in every cluster under a 100 MB target and
 * already loads node:https for its API server (lib/cluster/client.ts).
 *
 * What it does, as fetch does it: any method, headers, a body of bytes, a
 * string or URLSearchParams, an AbortSignal (aborting rejects with its
 * reason and ends the body); GET and HEAD follow redirects (at most 5; the
 * Authorization header is dropped when the origin changes, so a registry's
 * credentials never reach the storage it redirects to); the response has
 * `status`, `ok`, `headers.get`, a web ReadableStream `body` (null for HEAD
 * and bodiless statuses; `cancel()` closes the connection) and `text()`.
 * Requests go through Node's global agents: connections kept alive, and a
 * proxy from the environment with `NODE_USE_ENV_PROXY=1`, as Node's fetch
 * would. Not done (not needed by the registry protocol): redirects of other
 * methods (returned as they come), cookies, caching, content decoding
 * (registries send bytes as stored; `accept-encoding` is never sent).
 *
 * @example
 *   const res = await httpFetch(new URL('https://registry.example/v2/'), { method: 'GET', signal });
 *   res.status // 200 or 401
 *   await res.body?.cancel();
 */
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

export interface HttpResponse {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
}

export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string | URLSearchParams | null;
  signal?: AbortSignal | null;
}

/** What the registry client sends requests with: `httpFetch`, or anything fetch-like (globalThis.fetch fits). */
export type HttpFetch = (url: URL, init?: HttpRequestInit) => Promise<HttpResponse>;

const MAX_REDIRECTS = 5;

export const httpFetch: HttpFetch = async (url, init = {}) => {
  const method = (init.method ?? 'GET').toUpperCase();
  let headers = { ...init.headers };
  let at = url;
  for (let hops = 0; ; hops++) {
    const res = await send(at, method, headers, init);
    const location = res.headers.location;
    if (
      (method !== 'GET' && method !== 'HEAD') ||
      ![301, 302, 303, 307, 308].includes(res.statusCode ?? 0) ||
      !location ||
      hops === MAX_REDIRECTS
    )
      return toResponse(res, method, init.signal);
    res.resume();
    const next = new URL(location, at);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return toResponse(res, method, init.signal);
    if (next.origin !== at.origin)
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
    at = next;
  }
};

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  init: HttpRequestInit,
): Promise<IncomingMessage> {
  const body =
    init.body == null
      ? undefined
      : typeof init.body === 'string'
        ? Buffer.from(init.body)
        : init.body instanceof URLSearchParams
          ? Buffer.from(init.body.toString())
          : init.body;
  const https = url.protocol === 'https:';
  const all: Record<string, string> = { ...headers };
  const has = (name: string) => Object.keys(all).some((k) => k.toLowerCase() === name);
  if (body && !has('content-length')) all['content-length'] = String(body.byteLength);
  if (init.body instanceof URLSearchParams && !has('content-type'))
    all['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      { method, headers: all, signal: init.signal ?? undefined },
      resolve,
    );
    req.on('error', (err) => reject(init.signal?.aborted ? init.signal.reason : err));
    req.end(body);
  });
}

function toResponse(res: IncomingMessage, method: string, signal: AbortSignal | null | undefined): HttpResponse {
  const status = res.statusCode ?? 0;
  const bodiless = method === 'HEAD' || status === 204 || status === 304;
  if (bodiless) res.resume();
  const body = bodiless ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
  if (signal && !bodiless) {
    const onAbort = () => res.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    res.once('close', () => signal.removeEventListener('abort', onAbort));
  }
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: {
      get: (name) => {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    },
    body,
    async text() {
      if (!body) return '';
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
