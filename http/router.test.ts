import { describe, expect, it } from 'vitest';
import { checkBearer } from './bearer-auth.ts';
import * as errors from '../lib/errors/errors.ts';
import { parseListen } from './http-server.ts';
import { droverErrorReply, matchRoute, renderReply, type Route } from './router.ts';

const h = () => ({ status: 200 });
const routes: Route[] = [
  { method: 'GET', path: '/healthz', auth: 'none', handler: h },
  { method: 'GET', path: '/api/v1/bundles/:bundle', auth: 'token', handler: h },
  { method: 'GET', path: '/api/v1/bundles/:bundle/versions/:version', auth: 'token', handler: h },
  { method: 'POST', path: '/api/v1/deploy', auth: 'token', handler: h },
];

describe('matchRoute', () => {
  it.each([
    ['GET', '/healthz', { kind: 'found', path: '/healthz', params: {} }],
    ['HEAD', '/healthz', { kind: 'found', path: '/healthz', params: {} }],
    ['GET', '/healthz/', { kind: 'found', path: '/healthz', params: {} }],
    ['GET', '/api/v1/bundles/web', { kind: 'found', path: '/api/v1/bundles/:bundle', params: { bundle: 'web' } }],
    [
      'GET',
      '/api/v1/bundles/a%20b/versions/1.0.0',
      { kind: 'found', path: '/api/v1/bundles/:bundle/versions/:version', params: { bundle: 'a b', version: '1.0.0' } },
    ],
    ['GET', '/api/v1/bundles/', { kind: 'not-found' }],
    ['GET', '/api/v1/bundles/%E0%A4%A', { kind: 'not-found' }],
    ['GET', '/api/v1/nothing', { kind: 'not-found' }],
    ['GET', '/api/v1/deploy', { kind: 'method-not-allowed', allow: ['POST'] }],
    ['POST', '/healthz', { kind: 'method-not-allowed', allow: ['GET'] }],
  ])('%s %s', (method, path, expected) => {
    const m = matchRoute(routes, method, path);
    expect(m.kind === 'found' ? { kind: m.kind, path: m.route.path, params: m.params } : m).toEqual(expected);
  });
});

describe('renderReply', () => {
  it('serializes JSON with length and no-store, or sends text as is', () => {
    const j = renderReply({ status: 202, json: { matched: ['shop'] }, headers: { connection: 'close' } });
    expect(j.status).toBe(202);
    expect(JSON.parse(j.body.toString())).toEqual({ matched: ['shop'] });
    expect(j.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(j.body.length),
      'cache-control': 'no-store',
      connection: 'close',
    });
    const t = renderReply({ status: 200, text: 'a 1\n', contentType: 'text/plain; version=0.0.4' });
    expect(t.body.toString()).toBe('a 1\n');
    expect(t.headers['content-type']).toBe('text/plain; version=0.0.4');
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

describe('droverErrorReply and parseListen', () => {
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
      errors.DroverError,
    ].map((Cls) => droverErrorReply(new Cls('boom', { data: { bundle: 'web' } })));
    expect(answered.map((r) => r.status)).toEqual([400, 400, 401, 404, 409, 422, 503, 500, 500]);
    expect(answered[3]!.json).toEqual({ error: { code: 'E_NOT_FOUND', message: 'boom', data: { bundle: 'web' } } });
  });
  it('reads host:port, [v6]:port and :port', () => {
    expect(parseListen('127.0.0.1:7070')).toEqual({ host: '127.0.0.1', port: 7070 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen(':8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(() => parseListen('7070')).toThrow(/host:port/);
    expect(() => parseListen('h:70700')).toThrow(/host:port/);
  });
});
