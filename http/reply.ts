/**
 * The JSON answers of the API, probes and webhooks, in the shape they have
 * always had: pretty-printed JSON with a final newline, typed
 * `application/json; charset=utf-8`, and errors as `{error: {code, message,
 * data?}}`. (Hono's `c.json` writes compact JSON typed without a charset;
 * clients and tests read this shape, so it stays.) `Cache-Control:
 * no-store` is added to every answer that sets none by the app (app.ts).
 *
 * @example
 *   return jsonReply(c, 202, { matched: ['shop'] });
 *   return errorReply(c, 404, 'E_NOT_FOUND', 'no route /x');
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** What an anonymous reader is told of an unexpected error; the daemon's log has the rest. */
export const INTERNAL_MESSAGE = 'internal error (the daemon logged it)';

export function jsonReply(c: Context, status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return c.body(`${JSON.stringify(value ?? null, null, 2)}\n`, status as ContentfulStatusCode, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
}

/** The body of an error answer: its code, message and data. */
export const errorBody = (code: string, message: string, data?: Record<string, unknown>) => ({
  error: { code, message, ...(data ? { data } : {}) },
});

export function errorReply(
  c: Context,
  status: number,
  code: string,
  message: string,
  { data, headers = {} }: { data?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Response {
  return jsonReply(c, status, errorBody(code, message, data), headers);
}
