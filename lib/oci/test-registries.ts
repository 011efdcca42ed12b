/**
 * Integration-test helper: real CNCF distribution registries that demand
 * credentials, for the auth tests. One uses distribution's own `htpasswd`
 * (basic) auth. The other uses its `token` auth, which by design delegates to
 * an external token service; distribution ships none, so a small one runs in
 * the test process: it checks basic credentials and signs RS256 JWTs that the
 * real registry verifies against the certificate in its config.
 *
 * Needs `openssl` (for the signing certificate). The htpasswd entry is a fixed
 * bcrypt hash of the fixed test password, so no bcrypt tool is needed.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type ManagedProcess, freePort, startProcess, stopProcesses, waitFor } from '../../fixtures/testenv/process.ts';
import { registryBinary } from '../../fixtures/testenv/registry.ts';

export const TEST_USER = 'drover';
export const TEST_PASSWORD = 'drover-test-password';
/** bcrypt (cost 5) of TEST_PASSWORD. */
const TEST_PASSWORD_BCRYPT = '$2a$05$6m7sQGF/OJqF7uU4YTNLq.wLqkOyFsHDs4j/bffBzzPupGPJbpJAC';

export interface AuthRegistry {
  host: string;
  url: string;
  storage: string;
}

export interface AuthRegistries {
  basic: AuthRegistry;
  token: AuthRegistry & { service: string; realm: string; tokenRequests: { scopes: string[]; authorized: boolean }[] };
  stop(): Promise<void>;
}

async function startRegistryWith(dir: string, name: string, auth: object): Promise<{ info: AuthRegistry; proc: ManagedProcess }> {
  const root = join(dir, name);
  const storage = join(root, 'storage');
  mkdirSync(storage, { recursive: true });
  const host = `127.0.0.1:${await freePort()}`;
  const config = join(root, 'config.yml');
  writeFileSync(
    config,
    stringify({
      version: 0.1,
      log: { level: 'warn', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: storage }, cache: { blobdescriptor: 'inmemory' } },
      http: { addr: host, secret: 'drover-test-env' },
      auth,
    }),
  );
  const proc = startProcess({ name, command: registryBinary(), args: ['serve', config], logFile: join(root, 'registry.log') });
  const url = `http://${host}`;
  await waitFor(async () => (await fetch(`${url}/v2/`)).status === 401, { what: `${name} /v2/ asking for auth`, timeoutMs: 30_000, proc });
  return { info: { host, url, storage }, proc };
}

/** libtrust's key ID, which distribution uses to find a token's signing key from its `kid`. */
function libtrustKeyId(spkiDer: Buffer): string {
  const bytes = createHash('sha256').update(spkiDer).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export async function startAuthRegistries({ dir }: { dir: string }): Promise<AuthRegistries> {
  const procs: ManagedProcess[] = [];
  let server: Server | undefined;
  try {
    const authDir = join(dir, 'auth');
    mkdirSync(authDir, { recursive: true });
    const htpasswd = join(authDir, 'htpasswd');
    writeFileSync(htpasswd, `${TEST_USER}:${TEST_PASSWORD_BCRYPT}\n`);
    const basic = await startRegistryWith(dir, 'registry-basic', { htpasswd: { realm: 'drover-test', path: htpasswd } });
    procs.push(basic.proc);

    const keyFile = join(authDir, 'token-key.pem');
    const certFile = join(authDir, 'token-cert.pem');
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=drover-test-token-issuer'], {
        stdio: 'pipe',
      });
    } catch (err) {
      throw new Error(`the token-auth registry needs openssl to make its signing certificate: ${(err as Error).message}`);
    }
    const key = createPrivateKey(readFileSync(keyFile));
    const kid = libtrustKeyId(createPublicKey(key).export({ type: 'spki', format: 'der' }));
    const service = 'drover-test-registry';
    const issuer = 'drover-test-issuer';
    const tokenRequests: AuthRegistries['token']['tokenRequests'] = [];
    const expected = `Basic ${Buffer.from(`${TEST_USER}:${TEST_PASSWORD}`).toString('base64')}`;
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const scopes = url.searchParams.getAll('scope');
      const authorized = req.headers.authorization === expected;
      tokenRequests.push({ scopes, authorized });
      if (!authorized || url.pathname !== '/token' || url.searchParams.get('service') !== service) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const access = scopes.flatMap((s) => {
        const m = /^repository:([^:]+):(.+)$/.exec(s);
        return m ? [{ type: 'repository', name: m[1], actions: m[2]!.split(',') }] : [];
      });
      const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid }));
      const claims = b64url(JSON.stringify({ iss: issuer, sub: TEST_USER, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
      const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), key));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300, issued_at: new Date().toISOString() }));
    });
    const port = await freePort();
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    const realm = `http://127.0.0.1:${port}/token`;
    const token = await startRegistryWith(dir, 'registry-token', { token: { realm, service, issuer, rootcertbundle: certFile } });
    procs.push(token.proc);

    const srv = server;
    return {
      basic: basic.info,
      token: { ...token.info, service, realm, tokenRequests },
      stop: async () => {
        await stopProcesses(procs);
        await new Promise((r) => srv.close(r));
      },
    };
  } catch (err) {
    await stopProcesses(procs);
    server?.close();
    throw err;
  }
}
