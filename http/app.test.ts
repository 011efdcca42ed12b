// The Hono app without a socket (app.request): which path and method reach
// which answer, the bearer check, and how the one error handler answers
// Drover's errors (their own status, code, message and data) and a bug (500,
// nothing of its message). The listener around it is tested in
// http-server.test.ts.
import { describe, expect, it } from 'vitest';
import { stubHandle } from '../fixtures/http/stub-handle.ts';
import * as errors from '../lib/errors/errors.ts';
import { createApp } from './app.ts';
import { checkBearer } from './bearer-auth.ts';
import { answerFor } from './error-handler.ts';
import { parseListen } from './http-server.ts';

const TOKEN = 'tok-123';
const appOf = () => {
  const { handle } = stubHandle({ token: TOKEN });
  return createApp({ handle, log: handle.ctx.log });
};
const auth = { authorization: `Bearer ${TOKEN}` };

describe('routing', () => {
  it.each([
    ['GET', '/healthz', {}, 200],
    ['HEAD', '/healthz', {}, 200],
    ['GET', '/healthz/', {}, 200],
    ['GET', '/api/v1/daemon', auth, 200],
    ['GET', '/api/v1/daemon/', auth, 200],
    ['GET', '/api/v1/nothing', auth, 404],
    // A parameter that is no percent-encoding is no release either.
    ['GET', '/api/v1/releases/%E0%A4%A', auth, 404],
    ['GET', '/nothing', {}, 404],
    ['GET', '/api/v1/deploy', auth, 405],
    ['POST', '/healthz', {}, 405],
    ['PUT', '/readyz', {}, 405],
    ['DELETE', '/nothing', {}, 404],
    // With the dashboard off, its paths are no routes.
    ['GET', '/', {}, 404],
    ['GET', '/ui/assets/dashboard.js', {}, 404],
  ] as const)('%s %s -> %i', async (method, path, headers, status) => {
    const res = await appOf().request(path, { method, headers });
    expect(res.status).toBe(status);
  });

  it('says which methods a path has (Allow), and answers JSON errors in the shape they always had', async () => {
    const res = await appOf().request('/healthz', { method: 'POST' });
    expect(res.headers.get('allow')).toBe('GET');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe(
      `${JSON.stringify({ error: { code: 'E_USAGE', message: 'POST not allowed on /healthz' } }, null, 2)}\n`,
    );
    const missing = await appOf().request('/nope');
    expect(await missing.json()).toEqual({ error: { code: 'E_NOT_FOUND', message: 'no route /nope', data: {} } });
  });

  it('decodes path parameters: a bundle named with a space is asked by that name', async () => {
    const res = await appOf().request('/api/v1/releases/a%20b', { headers: auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'E_NOT_FOUND', message: 'no release a b', data: { id: 'a b' } },
    });
  });
});

describe('checkBearer', () => {
  it.each([
    [undefined, 'tok-123', 'missing'],
    ['Bearer tok-123', 'tok-123', 'ok'],
    ['bearer   tok-123 ', 'tok-123', 'ok'],
    ['Bearer tok-1234', 'tok-123', 'invalid'],
    ['Bearer tok-12', 'tok-123', 'invalid'],
    ['Basic dG9rLTEyMw==', 'tok-123', 'invalid'],
    ['Bearer', 'tok-123', 'invalid'],
    ['tok-123', 'tok-123', 'invalid'],
    // No token configured: closed, whatever is presented.
    ['Bearer tok-123', undefined, 'unconfigured'],
    ['Bearer ', '', 'unconfigured'],
    [undefined, undefined, 'unconfigured'],
  ])('%j against %j -> %s', (authorization, token, expected) => {
    expect(checkBearer({ authorization, token })).toBe(expected);
  });
});

describe('the one error handler, and parseListen', () => {
  it('answers an error with its own HTTP status, and its code, message and data', () => {
    const answered = [
      errors.UsageError,
      errors.InvalidInputError,
      errors.UnauthorizedError,
      errors.NotFoundError,
      errors.ConflictError,
      errors.ReleaseFailedError,
      errors.UnavailableError,
      errors.RollbackFailedError,
    ].map((Cls) => answerFor(new Cls('boom', { data: { bundle: 'web' } })));
    expect(answered.map((r) => r.status)).toEqual([400, 400, 401, 404, 409, 422, 503, 500]);
    expect(answered[3]).toEqual({
      status: 404,
      code: 'E_NOT_FOUND',
      message: 'boom',
      data: { bundle: 'web' },
      internal: false,
    });
    // Drover's own 5xx errors say theirs; a bug (the base class, or anything not Drover's) says nothing of it.
    expect(answered[7]!.message).toBe('boom');
    for (const bug of [new errors.DroverError('secret path /etc/x'), new TypeError('x is undefined'), 'thrown string'])
      expect(answerFor(bug)).toEqual({
        status: 500,
        code: 'E_INTERNAL',
        message: 'internal error (the daemon logged it)',
        internal: true,
      });
  });

  it('reads host:port, [v6]:port and :port', () => {
    expect(parseListen('127.0.0.1:7070')).toEqual({ host: '127.0.0.1', port: 7070 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen(':8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(() => parseListen('7070')).toThrow(/host:port/);
    expect(() => parseListen('h:70700')).toThrow(/host:port/);
  });
});
