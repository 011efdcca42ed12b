/**
 * The one answer to anything thrown while serving a request (`app.onError`),
 * and to a request the listener could not even turn into one (a malformed
 * URL or Host: @hono/node-server's `errorHandler`). A Drover error keeps its
 * own `httpStatus`, code, message and data; anything else is a bug: it is
 * logged with its message and stack, and the reader gets 500 "internal
 * error (the daemon logged it)" and nothing more. API, probe and webhook
 * paths answer JSON (`{error: {code, message, data?}}`); the dashboard's
 * paths answer an HTML page saying the same, with the reader's page context
 * when access set one.
 *
 * @example
 *   app.onError(errorHandler({ log, isPage: (path) => path.startsWith('/ui/') }));
 */
import { RequestError } from '@hono/node-server';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type Logger, toDroverError } from '../lib/index.ts';
import type { AppEnv } from './app-env.ts';
import { htmlReply } from './dashboard/reply.ts';
import { messagePage } from './dashboard/views/layout.ts';
import { errorBody, errorReply, INTERNAL_MESSAGE } from './reply.ts';

/** How an error is answered: a reader may see all of it unless it is `internal`. */
export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  data?: Record<string, unknown>;
  internal: boolean;
}

const CODE_OF_STATUS: Record<number, string> = {
  401: 'E_UNAUTHORIZED',
  404: 'E_NOT_FOUND',
  405: 'E_USAGE',
  413: 'E_TOO_LARGE',
};

/** What to answer for `err`: Drover's own errors as they are, Hono's refusals by their status, anything else internal. */
export function answerFor(err: unknown): ErrorAnswer {
  if (err instanceof RequestError)
    return { status: 400, code: 'E_INVALID_INPUT', message: err.message, internal: false };
  if (err instanceof HTTPException && err.status < 500)
    return {
      status: err.status,
      code: CODE_OF_STATUS[err.status] ?? 'E_INVALID_INPUT',
      message: err.message || 'bad request',
      internal: false,
    };
  const e = toDroverError(err);
  if (e.code === 'E_INTERNAL') return { status: 500, code: 'E_INTERNAL', message: INTERNAL_MESSAGE, internal: true };
  return { status: e.httpStatus, code: e.code, message: e.message, data: e.data, internal: false };
}

export function errorHandler({ log, isPage }: { log: Logger; isPage: (path: string) => boolean }) {
  return (err: Error, c: Context<AppEnv>): Response => {
    const a = answerFor(err);
    if (a.internal)
      log.error('http handler failed', { method: c.req.method, path: c.req.path, error: toDroverError(err) });
    // A body refused half-read: the connection cannot be reused.
    const headers: Record<string, string> = a.status === 413 ? { connection: 'close' } : {};
    if (!isPage(c.req.path))
      return errorReply(c, a.status, a.code, a.message, { ...(a.data ? { data: a.data } : {}), headers });
    return htmlReply(
      c,
      a.status,
      messagePage({
        title: c.get('errorTitle') ?? (a.code === 'E_NOT_FOUND' ? 'Not found' : 'Could not show this'),
        message: a.message,
        ctx: c.get('page') ?? { csrf: null },
        next: { href: '/', text: 'Back to the overview' },
      }),
      headers,
    );
  };
}

/** The listener's last resort, for what never reached the app (a request it could not read) or escaped it. */
export function listenerErrorHandler(log: Logger) {
  return (err: unknown): Response => {
    const a = answerFor(err);
    if (a.internal) log.error('http request failed', { error: toDroverError(err) });
    else log.debug(`http request refused: ${a.message}`);
    return new Response(`${JSON.stringify(errorBody(a.code, a.message), null, 2)}\n`, {
      status: a.status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', connection: 'close' },
    });
  };
}
