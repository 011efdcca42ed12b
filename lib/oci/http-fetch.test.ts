// http-fetch.ts against real HTTP servers on loopback (two origins, so a
// redirect can cross one): what the registry client relies on it for.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch } from './http-fetch.ts';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function server(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<{ server: Server; origin: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      handle(req, res, body);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return { server: s, origin: `http://127.0.0.1:${(s.address() as { port: number }).port}`, seen };
}

let registry: Awaited<ReturnType<typeof server>>;
let storage: Awaited<ReturnType<typeof server>>;
beforeAll(async () => {
  storage = await server((req, res) => {
    if (req.url === '/blob')
      res
        .writeHead(200, { 'content-type': 'application/octet-stream', 'docker-content-digest': 'sha256:x' })
        .end('blob bytes');
    else res.writeHead(404).end();
  });
  registry = await server((req, res, body) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/to-storage') res.writeHead(307, { location: `${storage.origin}/blob` }).end();
    else if (url.pathname === '/same-origin') res.writeHead(302, { location: '/echo' }).end();
    else if (url.pathname === '/loop') res.writeHead(302, { location: '/loop' }).end();
    else if (url.pathname === '/echo')
      res
        .writeHead(200, { 'x-a': 'one', 'content-type': 'application/json' })
        .end(JSON.stringify({ method: req.method, body }));
    else if (url.pathname === '/slow') res.writeHead(200).write('first chunk');
    else if (url.pathname === '/upload') res.writeHead(302, { location: '/echo' }).end();
    else res.writeHead(404).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
  });
});
afterAll(() => {
  registry.server.closeAllConnections();
  storage.server.closeAllConnections();
  registry.server.close();
  storage.server.close();
});

describe('httpFetch', () => {
  it('sends the method, headers and body, and answers status, headers and text', async () => {
    const res = await httpFetch(new URL(`${registry.origin}/echo`), {
      method: 'PUT',
      headers: { 'content-type': 'application/x' },
      body: new Uint8Array(Buffer.from('bytes')),
    });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('X-A')).toBe('one');
    expect(res.headers.get('x-missing')).toBeNull();
    expect(JSON.parse(await res.text())).toEqual({ method: 'PUT', body: 'bytes' });
    const seen = registry.seen.at(-1)!;
    expect(seen.headers['content-type']).toBe('application/x');
    expect(seen.headers['content-length']).toBe('5');
  });

  it('sends URLSearchParams as a form, and a body read through its stream', async () => {
    const res = await httpFetch(new URL(`${registry.origin}/echo`), {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', scope: 'a b' }),
    });
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8')).body).toBe('grant_type=refresh_token&scope=a+b');
    expect(registry.seen.at(-1)!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it('a HEAD has no body; an error status is not ok and keeps its body', async () => {
    const head = await httpFetch(new URL(`${registry.origin}/echo`), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    const missing = await httpFetch(new URL(`${registry.origin}/nothing`));
    expect(missing.ok).toBe(false);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('NAME_UNKNOWN');
  });

  it('follows a GET to another origin without the Authorization header, and within one origin with it', async () => {
    const res = await httpFetch(new URL(`${registry.origin}/to-storage`), {
      headers: { Authorization: 'Bearer secret-token', accept: '*/*' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('blob bytes');
    const atStorage = storage.seen.at(-1)!;
    expect(atStorage.path).toBe('/blob');
    expect(atStorage.headers.authorization).toBeUndefined();
    expect(atStorage.headers.accept).toBe('*/*');

    await (
      await httpFetch(new URL(`${registry.origin}/same-origin`), { headers: { authorization: 'Bearer secret-token' } })
    ).text();
    expect(registry.seen.at(-1)).toMatchObject({ path: '/echo', headers: { authorization: 'Bearer secret-token' } });
  });

  it('stops after 5 redirects and answers the last; does not follow other methods', async () => {
    const before = registry.seen.length;
    const res = await httpFetch(new URL(`${registry.origin}/loop`));
    expect(res.status).toBe(302);
    expect(registry.seen.length - before).toBe(6);
    const put = await httpFetch(new URL(`${registry.origin}/upload`), { method: 'PUT', body: 'x' });
    expect(put.status).toBe(302);
    expect(put.headers.get('location')).toBe('/echo');
  });

  it('an aborted signal rejects a request and ends a body being read', async () => {
    await expect(
      httpFetch(new URL(`${registry.origin}/echo`), { signal: AbortSignal.abort(new Error('stop now')) }),
    ).rejects.toThrow('stop now');
    const ac = new AbortController();
    const res = await httpFetch(new URL(`${registry.origin}/slow`), { signal: ac.signal });
    const reader = res.body!.getReader();
    expect(Buffer.from((await reader.read()).value!).toString()).toBe('first chunk');
    ac.abort(new Error('stop reading'));
    await expect(reader.read()).rejects.toThrow('stop reading');
  });

  it("goes through the proxy the environment names with NODE_USE_ENV_PROXY=1, as Node's fetch does", async () => {
    const proxy = await server((req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`proxied ${req.url}`),
    );
    try {
      const code = `const { httpFetch } = await import(${JSON.stringify(join(import.meta.dirname, 'http-fetch.ts'))}); const r = await httpFetch(new URL('http://registry.invalid/v2/')); process.stdout.write(await r.text());`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
        env: { PATH: process.env.PATH, NODE_USE_ENV_PROXY: '1', HTTP_PROXY: proxy.origin },
      });
      // A proxied request names the whole URL.
      expect(stdout).toBe('proxied http://registry.invalid/v2/');
    } finally {
      proxy.server.close();
    }
  });

  it('an unreachable server rejects', async () => {
    const s = await server(() => {});
    const origin = s.origin;
    s.server.close();
    await expect(httpFetch(new URL(`${origin}/v2/`))).rejects.toThrow(/ECONNREFUSED/);
  });
});
