// The client's retry policy needs faults a real API server will not produce on
// demand (429 with Retry-After, 503, a dropped connection), so this test puts
// a small HTTP server at the client's interface. The real server is exercised
// in cluster.int.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { NotFoundError, UnavailableError } from '../errors/errors.ts';
import { ClusterClient } from './client.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

async function serve(answers: ((res: ServerResponse) => void)[]) {
  const seen: { at: number; method: string; auth?: string }[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ at: Date.now(), method: req.method ?? '', auth: req.headers.authorization });
    req.resume();
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    answer(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'drover-client-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 'secret-token' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'u' } }],
      'current-context': 'fake',
    }),
  );
  const client = await ClusterClient.connect({ name: 'fake', kubeconfig, context: 'fake', maxAttempts: 4 });
  cleanups.push(() => {
    client.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { client, seen };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

describe('ClusterClient retries', () => {
  it('honours 429 Retry-After before trying again, and sends the bearer token', async () => {
    const { client, seen } = await serve([
      json(429, { reason: 'TooManyRequests' }, { 'retry-after': '1' }),
      json(200, { ok: true }),
    ]);
    const { body } = await client.request({ method: 'GET', path: '/api' });
    expect(body).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);
    expect(seen[0]!.auth).toBe('Bearer secret-token');
    expect(client.stats.retries).toBe(1);
  });

  it('retries idempotent requests on 503 and gives up after maxAttempts with a clear error', async () => {
    const { client, seen } = await serve([json(503, { message: 'overloaded' })]);
    const err = await client
      .request({ method: 'GET', path: '/apis', subject: 'Deployment/web/api' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toBe('Deployment/web/api: overloaded');
    expect(seen).toHaveLength(4);
  });

  it('does not retry a POST on 500 and does not retry a 404', async () => {
    const a = await serve([json(500, { message: 'boom' })]);
    await expect(a.client.request({ method: 'POST', path: '/x', body: {} })).rejects.toThrow(/boom/);
    expect(a.seen).toHaveLength(1);
    const b = await serve([json(404, { reason: 'NotFound', message: 'nope' })]);
    await expect(b.client.request({ method: 'GET', path: '/y' })).rejects.toBeInstanceOf(NotFoundError);
    expect(b.seen).toHaveLength(1);
  });

  it('never puts the token in an error', async () => {
    const { client } = await serve([json(401, { message: 'Unauthorized' })]);
    const err = (await client.request({ method: 'GET', path: '/api' }).catch((e: unknown) => e)) as Error;
    expect(JSON.stringify({ m: err.message, d: (err as { data?: unknown }).data })).not.toContain('secret-token');
  });
});

describe('ClusterClient stats', () => {
  it('counts writes apart from dry runs and reads, so "wrote nothing" can be checked', async () => {
    const { client } = await serve([json(200, {})]);
    await client.request({ method: 'GET', path: '/api/v1/namespaces/n/configmaps' });
    await client.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/n/configmaps/a',
      query: { dryRun: 'All' },
      body: {},
    });
    await client.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/n/configmaps/a',
      query: { dryRun: undefined },
      body: {},
    });
    await client.request({ method: 'DELETE', path: '/api/v1/namespaces/n/configmaps/a' });
    expect(client.stats).toMatchObject({
      requests: 4,
      writes: 2,
      dryRuns: 1,
      byMethod: { GET: 1, PATCH: 2, DELETE: 1 },
    });
  });
});
