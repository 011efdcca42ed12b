/**
 * HTTP routing for the daemon, as data: each route is a method, a path
 * pattern (`/api/v1/bundles/:name`), whether it needs the bearer token, and
 * a handler returning a reply object. Matching is pure; so is turning a
 * reply into status, headers and bytes, so tests need no sockets.
 *
 * @example
 *   const m = matchRoute(routes, 'GET', '/api/v1/bundles/web');
 *   if (m.kind === 'found') m.route.handler({ params: m.params, ... });
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { DroverError } from '../lib/index.ts';

export type Method = 'GET' | 'POST';

export interface Reply {
  status: number;
  /** Serialized as JSON. */
  json?: unknown;
  /** Sent as is (with `contentType`). */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** A response written over time (Server-Sent Events): the head is sent with `status` and `headers`, then the response is handed over. */
  stream?: (res: ServerResponse) => void;
}

export interface RequestContext {
  method: Method;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw request, for handlers that read the body themselves (webhooks, actions). */
  req: IncomingMessage;
}

export interface Route {
  method: Method;
  path: string;
  auth: 'token' | 'none';
  handler: (ctx: RequestContext) => Promise<Reply> | Reply;
}

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allow: Method[] };

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, w] of want.entries()) {
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '') return undefined;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  const normalized = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const allow = new Set<Method>();
  for (const route of routes) {
    const params = matchPath(route.path, normalized);
    if (!params) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET'))
      return { kind: 'found', route, params };
    allow.add(route.method);
  }
  return allow.size ? { kind: 'method-not-allowed', allow: [...allow] } : { kind: 'not-found' };
}

/** Status, headers and body bytes for a reply. */
export function renderReply(reply: Reply): { status: number; headers: Record<string, string>; body: Buffer } {
  const body =
    reply.text !== undefined
      ? Buffer.from(reply.text)
      : Buffer.from(`${JSON.stringify(reply.json ?? null, null, 2)}\n`);
  const contentType =
    reply.text !== undefined ? (reply.contentType ?? 'text/plain; charset=utf-8') : 'application/json; charset=utf-8';
  return {
    status: reply.status,
    headers: {
      'content-type': contentType,
      'content-length': String(body.length),
      'cache-control': 'no-store',
      ...reply.headers,
    },
    body,
  };
}

export const errorReply = (status: number, code: string, message: string, data?: Record<string, unknown>): Reply => ({
  status,
  json: { error: { code, message, ...(data ? { data } : {}) } },
});

/** The reply for an error that ended a request: its own `httpStatus`, and its code, message and data as JSON. */
export const droverErrorReply = (e: DroverError): Reply => errorReply(e.httpStatus, e.code, e.message, e.data);
