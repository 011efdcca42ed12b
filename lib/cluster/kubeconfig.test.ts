import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { InvalidInputError } from '../errors/errors.ts';
import { kubeCredentials } from './kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'k', cluster }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'ctx', context: { cluster: 'k', user: 'u' } }],
      'current-context': 'ctx',
    }),
  );
  return file;
}
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('kubeCredentials', () => {
  const U = undefined;
  it.each([
    [
      'a static token and CA data',
      { server: 'https://k:6443/', 'certificate-authority-data': b64('CA') },
      { token: 't0k' },
      {
        server: 'https://k:6443',
        headers: { Authorization: 'Bearer t0k' },
        rejectUnauthorized: true,
        servername: U,
        ca: 'CA',
        cert: U,
        key: U,
      },
    ],
    [
      'insecure-skip-tls-verify and tls-server-name',
      { server: 'https://k', 'insecure-skip-tls-verify': true, 'tls-server-name': 'api.k' },
      {},
      { server: 'https://k', headers: {}, rejectUnauthorized: false, servername: 'api.k', ca: U, cert: U, key: U },
    ],
    [
      'client certificate data and impersonation',
      { server: 'https://k' },
      { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY'), as: 'alice' },
      {
        server: 'https://k',
        headers: { 'Impersonate-User': 'alice' },
        rejectUnauthorized: true,
        servername: U,
        ca: U,
        cert: 'CERT',
        key: 'KEY',
      },
    ],
  ])('reads %s', async (_, cluster, user, want) => {
    const c = await kubeCredentials({ kubeconfig: kubeconfig('plain', cluster, user), context: 'ctx', name: 'c1' });
    expect({
      server: c.server,
      headers: c.headers(),
      rejectUnauthorized: c.tls.rejectUnauthorized,
      servername: c.tls.servername,
      ca: c.tls.ca?.toString(),
      cert: c.tls.cert?.toString(),
      key: c.tls.key?.toString(),
    }).toEqual(want);
  });

  it('reads files relative to the kubeconfig, and a token file trimmed (as a ServiceAccount mounts it)', async () => {
    writeFileSync(join(dir, 'ca.crt'), 'CAFILE');
    writeFileSync(join(dir, 'token'), 'sa-token\n');
    const c = await kubeCredentials({
      kubeconfig: kubeconfig(
        'files',
        { server: 'https://k', 'certificate-authority': 'ca.crt' },
        { 'token-file': 'token' },
      ),
      context: 'ctx',
      name: 'c1',
    });
    expect(c.tls.ca?.toString()).toBe('CAFILE');
    expect(c.headers()).toEqual({ Authorization: 'Bearer sa-token' });
  });

  it('hands an exec credential plugin to @kubernetes/client-node, which runs it', async () => {
    const cred = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'from-plugin' },
    });
    const file = kubeconfig(
      'exec',
      { server: 'https://k' },
      {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: 'sh',
          args: ['-c', `echo '${cred}'`],
          interactiveMode: 'Never',
        },
      },
    );
    const c = await kubeCredentials({ kubeconfig: file, context: 'ctx', name: 'c1' });
    expect(c.headers()).toEqual({ Authorization: 'Bearer from-plugin' });
  });

  it.each([
    ['a missing file', () => join(dir, 'nope'), 'ctx', /nope: cannot read kubeconfig/],
    [
      'a missing context',
      () => kubeconfig('one', { server: 'https://k' }, {}),
      'other',
      /one: no context other for cluster c1/,
    ],
    ['a context without a server', () => kubeconfig('noserver', {}, {}), 'ctx', /noserver: context ctx has no cluster/],
    [
      'a missing token file',
      () => kubeconfig('notoken', { server: 'https://k' }, { 'token-file': '/nonexistent/token' }),
      'ctx',
      /notoken: context ctx: cannot read token-file \/nonexistent\/token/,
    ],
  ])('refuses %s, naming the file', async (_, file, context, message) => {
    const err = await kubeCredentials({ kubeconfig: file(), context, name: 'c1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(message);
  });
});
