// The token request itself, at the fetch interface: which form it takes for
// which credentials, and what it refuses. The end-to-end flow runs against a
// real registry in registry-auth.int.test.ts.
import { describe, expect, it } from 'vitest';
import { freePort } from '../../fixtures/testenv/process.ts';
import { UnauthorizedError, UnavailableError } from '../errors/errors.ts';
import { RegistryClient } from './registry-client.ts';
import { fetchToken } from './registry-token.ts';

interface Seen {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string;
}

function recorder(answer: (s: Seen) => Response) {
  const seen: Seen[] = [];
  const fetch = (async (input: URL | string, init: RequestInit = {}) => {
    const s: Seen = {
      url: new URL(String(input)),
      method: init.method ?? 'GET',
      headers: { ...(init.headers as Record<string, string>) },
      body: init.body ? String(init.body) : '',
    };
    seen.push(s);
    return answer(s);
  }) as typeof globalThis.fetch;
  return { seen, fetch };
}

const ok = () => new Response(JSON.stringify({ token: 'tok', expires_in: 300 }));

describe('fetchToken', () => {
  it('GETs with basic credentials, service and every scope', async () => {
    const { seen, fetch } = recorder(ok);
    const t = await fetchToken({
      realm: 'https://auth.example/token',
      service: 'reg',
      scopes: ['repository:a:pull', 'repository:b:pull'],
      credentials: { username: 'u', password: 'p' },
      fetch,
      nowMs: 0,
    });
    expect(t).toEqual({ token: 'tok', expiresAtMs: 290_000 });
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.url.searchParams.get('service')).toBe('reg');
    expect(seen[0]!.url.searchParams.getAll('scope')).toEqual(['repository:a:pull', 'repository:b:pull']);
    expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('exchanges an identity token with a refresh_token POST', async () => {
    const { seen, fetch } = recorder(() => new Response(JSON.stringify({ access_token: 'at' })));
    const t = await fetchToken({
      realm: 'https://auth.example/token',
      service: 'reg',
      scopes: ['repository:a:pull'],
      credentials: { identityToken: 'refresh' },
      fetch,
      nowMs: 0,
    });
    expect(t.token).toBe('at');
    expect(t.expiresAtMs).toBe(50_000);
    expect(seen[0]!.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'refresh',
      client_id: 'drover',
      service: 'reg',
      scope: 'repository:a:pull',
    });
  });

  it('refuses to send credentials to a plain-http realm off loopback', async () => {
    const { seen, fetch } = recorder(ok);
    await expect(
      fetchToken({
        realm: 'http://auth.example/token',
        scopes: [],
        credentials: { username: 'u', password: 'p' },
        fetch,
      }),
    ).rejects.toThrow(UnauthorizedError);
    expect(seen).toHaveLength(0);
    await fetchToken({ realm: 'http://auth.example/token', scopes: [], fetch }); // anonymous is fine
    await fetchToken({
      realm: 'http://127.0.0.1:1/token',
      scopes: [],
      credentials: { username: 'u', password: 'p' },
      fetch,
    });
  });

  it('maps refusals and garbage to errors that carry no secret', async () => {
    const creds = { username: 'u', password: 'hunter2' };
    const refused = recorder(() => new Response('no', { status: 401 }));
    const err = await fetchToken({ realm: 'https://a/t', scopes: [], credentials: creds, fetch: refused.fetch }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(String(err) + JSON.stringify(err)).not.toContain('hunter2');
    await expect(
      fetchToken({ realm: 'https://a/t', scopes: [], fetch: recorder(() => new Response('<html>')).fetch }),
    ).rejects.toThrow(UnavailableError);
    await expect(
      fetchToken({ realm: 'https://a/t', scopes: [], fetch: recorder(() => new Response('{}')).fetch }),
    ).rejects.toThrow(/without a token/);
    await expect(fetchToken({ realm: 'ftp://a/t', scopes: [], fetch: refused.fetch })).rejects.toThrow(
      UnavailableError,
    );
  });
});

describe('RegistryClient', () => {
  it('never sends Authorization to another origin (an upload location elsewhere)', async () => {
    const { seen, fetch } = recorder((s) => {
      if (s.url.host === '127.0.0.1:5000' && !s.headers.authorization)
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } });
      return new Response(null, { status: 200 });
    });
    const client = new RegistryClient({ host: '127.0.0.1:5000', credentials: { username: 'u', password: 'p' }, fetch });
    await client.request({ method: 'HEAD', path: '/v2/a/blobs/x', repository: 'a', access: 'pull' });
    await client.request({
      method: 'PUT',
      path: new URL('http://storage.example/upload?x=1'),
      repository: 'a',
      access: 'push',
    });
    expect(seen.map((s) => [s.url.host, Boolean(s.headers.authorization)])).toEqual([
      ['127.0.0.1:5000', false],
      ['127.0.0.1:5000', true],
      ['storage.example', false],
    ]);
  });

  describe('sends its credentials to a token realm only on its own host or listed in tokenRealms', () => {
    const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
    /** A registry on 127.0.0.1:5000 whose bearer challenge names `realm`; the realm grants `tok` to anyone, or only to the right basic credentials. */
    function registry(realm: string, { anonymous = true } = {}) {
      return recorder((s) => {
        if (s.url.host === '127.0.0.1:5000' && s.url.pathname.startsWith('/v2/'))
          return s.headers.authorization === 'Bearer tok'
            ? new Response(null, { status: 200 })
            : new Response(null, {
                status: 401,
                headers: { 'www-authenticate': `Bearer realm="${realm}",service="reg"` },
              });
        return anonymous || s.headers.authorization === basic ? ok() : new Response('{}', { status: 401 });
      });
    }
    const tokenRequest = (seen: Seen[]) => seen.find((s) => s.url.pathname.endsWith('/token'))!;

    it.each([
      ['on the registry host and port', 'http://127.0.0.1:5000/token', [], true],
      ['on another port, listed as host:port', 'http://127.0.0.1:5001/token', ['127.0.0.1:5001'], true],
      ['under a listed URL prefix', 'http://127.0.0.1:5001/auth/token', ['http://127.0.0.1:5001/auth/'], true],
      ['on another port of the same address (another host)', 'http://127.0.0.1:5001/token', [], false],
      ['on another host', 'http://localhost:5000/token', [], false],
      ['on a listed host but another port', 'http://127.0.0.1:5002/token', ['127.0.0.1:5001'], false],
      ['outside a listed URL prefix', 'http://127.0.0.1:5001/authz/token', ['http://127.0.0.1:5001/auth'], false],
    ])('realm %s: Authorization sent = %s', async (_what, realm, tokenRealms, sent) => {
      const { seen, fetch } = registry(realm);
      const client = new RegistryClient({
        host: '127.0.0.1:5000',
        credentials: { username: 'u', password: 'p' },
        tokenRealms,
        fetch,
      });
      const res = await client.request({ method: 'HEAD', path: '/v2/a/blobs/x', repository: 'a', access: 'pull' });
      expect(res.status).toBe(200);
      expect(tokenRequest(seen).headers.authorization).toBe(sent ? basic : undefined);
    });

    it('keeps an identity token from a foreign realm too (no POST, an anonymous GET)', async () => {
      const { seen, fetch } = registry('http://127.0.0.1:5001/token');
      const client = new RegistryClient({ host: '127.0.0.1:5000', credentials: { identityToken: 'refresh' }, fetch });
      await client.request({ method: 'HEAD', path: '/v2/a/blobs/x', repository: 'a', access: 'pull' });
      expect(tokenRequest(seen)).toMatchObject({ method: 'GET', body: '', headers: {} });
      expect(JSON.stringify(seen)).not.toContain('refresh');
    });

    it('names registryAuth.tokenRealms when the foreign realm refuses the anonymous request', async () => {
      const { seen, fetch } = registry('http://127.0.0.1:5001/token', { anonymous: false });
      const client = new RegistryClient({
        host: '127.0.0.1:5000',
        credentials: { username: 'u', password: 'p' },
        fetch,
      });
      const err = await client
        .request({ method: 'GET', path: '/v2/a/tags/list', repository: 'a', access: 'pull' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnauthorizedError);
      expect((err as Error).message).toMatch(
        /refused an anonymous token request \(HTTP 401\): .*not sent to its token realm http:\/\/127\.0\.0\.1:5001.*registryAuth\.tokenRealms/,
      );
      expect(tokenRequest(seen).headers.authorization).toBeUndefined();
    });
  });

  it('reports an unreachable registry as UnavailableError with the reason', async () => {
    const client = new RegistryClient({ host: `127.0.0.1:${await freePort()}` });
    await expect(client.request({ method: 'GET', path: '/v2/', repository: 'a', access: 'pull' })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
