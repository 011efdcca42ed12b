// RegistryStore against real registries that demand credentials: distribution
// with htpasswd (basic) auth, and distribution with token auth backed by a
// tiny in-test token service (distribution ships none). RegistryCredentials come from
// an explicit option or a Docker config.json, and never show up in errors.
// The token service listens on another port of 127.0.0.1 than the registry,
// which counts as another host: it gets the credentials only when listed in
// tokenRealms (registryAuth.tokenRealms), and is asked anonymously otherwise.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { UnauthorizedError } from '../errors/errors.ts';
import type { RegistryCredentials } from './docker-config.ts';
import { sha256Digest } from './digest.ts';
import { MediaType } from './media-types.ts';
import { connectStores } from './reference.ts';
import type { OciStore } from './store.ts';
import {
  type AuthRegistries,
  TEST_PASSWORD,
  TEST_USER,
  startAuthRegistries,
} from '../../fixtures/testenv/auth-registries.ts';

const env = testEnv();
const dir = mkdtempSync(join(env.dir, 'oci-auth-'));
let regs: AuthRegistries;
beforeAll(async () => {
  regs = await startAuthRegistries({ dir });
});
afterAll(async () => {
  await regs?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const enc = (s: string) => new TextEncoder().encode(s);
const good: RegistryCredentials = { username: TEST_USER, password: TEST_PASSWORD };
const WRONG = 'wrong-password-4711';

async function open(
  host: string,
  credentials?: RegistryCredentials,
  dockerConfigPath?: string,
  tokenRealms: string[] = [regs.token.realm],
): Promise<OciStore> {
  return (await connectStores({ reference: `oci://${host}/auth`, credentials, dockerConfigPath, tokenRealms })).open(
    uniqueName('a'),
  );
}

async function roundTrip(s: OciStore): Promise<void> {
  const layer = enc(`secret-free layer ${s.repository}`);
  const empty = enc('{}');
  await s.pushBlob({ data: empty });
  await s.pushBlob({ data: layer });
  const bytes = enc(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(empty), size: 2 },
      layers: [{ mediaType: 'application/octet-stream', digest: sha256Digest(layer), size: layer.length }],
    }),
  );
  await s.putManifest({ bytes, mediaType: MediaType.ociManifest, tag: '1.0.0', immutable: true });
  expect(Buffer.from(await s.fetchBlob({ digest: sha256Digest(layer) }))).toEqual(Buffer.from(layer));
  expect(await s.listTags()).toEqual(['1.0.0']);
}

async function refused(p: Promise<unknown>): Promise<UnauthorizedError> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UnauthorizedError);
  const shown = `${String(err)} ${JSON.stringify(err)} ${(err as Error).stack ?? ''}`;
  for (const secret of [
    WRONG,
    TEST_PASSWORD,
    Buffer.from(`${TEST_USER}:${WRONG}`).toString('base64'),
    Buffer.from(`${TEST_USER}:${TEST_PASSWORD}`).toString('base64'),
  ]) {
    expect(shown).not.toContain(secret);
  }
  return err as UnauthorizedError;
}

describe('basic auth (distribution htpasswd)', () => {
  it('refuses anonymous and wrong credentials without echoing them', async () => {
    await refused((await open(regs.basic.host)).listTags());
    await refused((await open(regs.basic.host, { username: TEST_USER, password: WRONG })).pushBlob({ data: enc('x') }));
  });

  it('pushes and pulls with credentials, sending them up front after the first challenge', async () => {
    const s = await open(regs.basic.host, good);
    await roundTrip(s);
    const before = s.stats.requests;
    await s.hasBlob({ digest: sha256Digest(enc('{}')) });
    expect(s.stats.requests - before).toBe(1);
  });

  it('takes credentials from a Docker config.json', async () => {
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        auths: {
          [`http://${regs.basic.host}`]: { auth: Buffer.from(`${TEST_USER}:${TEST_PASSWORD}`).toString('base64') },
        },
      }),
    );
    await roundTrip(await open(regs.basic.host, undefined, file));
  });
});

describe('bearer token auth (distribution token auth)', () => {
  it('refuses anonymous and wrong credentials without echoing them', async () => {
    await refused((await open(regs.token.host)).listTags());
    const err = await refused(
      (await open(regs.token.host, { username: TEST_USER, password: WRONG })).pushBlob({ data: enc('x') }),
    );
    expect(err.message).toContain('refused the credentials');
  });

  it('fetches one token per scope, caches it, and carries it up front', async () => {
    const s = await open(regs.token.host, good);
    const start = regs.token.tokenRequests.length;
    await roundTrip(s);
    const mine = regs.token.tokenRequests.slice(start);
    expect(mine.every((r) => r.authorized)).toBe(true);
    // one push-scope token (blobs, manifest) and one pull-scope token (fetch, tags)
    expect(mine.map((r) => r.scopes[0])).toEqual([
      `repository:${s.repository}:pull`,
      `repository:${s.repository}:pull,push`,
    ]);
    const before = s.stats.requests;
    await s.resolve({ tag: '1.0.0' });
    await s.pushBlob({ data: enc('{}') });
    expect(s.stats.requests - before).toBe(2); // no 401 round trip, no new token
  });

  it('makes one token request for parallel requests of one scope', async () => {
    const s = await open(regs.token.host, good);
    const start = regs.token.tokenRequests.length;
    const digests = Array.from({ length: 8 }, (_, i) => sha256Digest(enc(`p${i}`)));
    expect(await Promise.all(digests.map((digest) => s.hasBlob({ digest })))).toEqual(digests.map(() => false));
    expect(regs.token.tokenRequests.length - start).toBe(1);
  });

  it('keeps the credentials from a realm on another port unless tokenRealms lists it, and names the setting', async () => {
    const realmHost = new URL(regs.token.realm).host;
    expect(realmHost).not.toBe(regs.token.host); // same address, another port
    const start = regs.token.tokenRequests.length;
    const err = await refused((await open(regs.token.host, good, undefined, [])).listTags());
    expect(err.message).toContain(`token realm http://${realmHost}`);
    expect(err.message).toContain('registryAuth.tokenRealms');
    expect(regs.token.tokenRequests.slice(start)).toEqual([
      { scopes: [expect.stringMatching(/^repository:auth\/a-[0-9a-f]+:pull$/)], authorized: false },
    ]);
    // Listed as host:port or as a URL prefix, the same realm gets them.
    for (const listed of [realmHost, `http://${realmHost}/`]) {
      const s = await open(regs.token.host, good, undefined, [listed]);
      const before = regs.token.tokenRequests.length;
      expect(await s.listTags()).toEqual([]);
      expect(regs.token.tokenRequests.slice(before).every((r) => r.authorized)).toBe(true);
    }
  });

  it('takes credentials from a Docker config.json with username and password fields', async () => {
    const file = join(dir, 'config-token.json');
    writeFileSync(
      file,
      JSON.stringify({ auths: { [regs.token.host]: { username: TEST_USER, password: TEST_PASSWORD } } }),
    );
    await roundTrip(await open(regs.token.host, undefined, file));
  });
});
