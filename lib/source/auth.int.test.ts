import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DroverError } from '../errors/errors.ts';
import { testEnv } from '../../fixtures/testenv/use-env.ts';
import { openSource } from './source.ts';
import { revParse, seedRepo } from '../../fixtures/testenv/source-repos.ts';

const env = testEnv();
const [user, password] = env.git.auth.split(':') as [string, string];
const dir = mkdtempSync(join(tmpdir(), 'drover-source-auth-'));
const cacheDir = join(dir, 'cache');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<DroverError> {
  try {
    await p;
  } catch (e) {
    return e as DroverError;
  }
  throw new Error('expected a failure');
}

function expectNoSecret(err: DroverError, ...secrets: string[]) {
  const shown = [
    err.message,
    JSON.stringify(err),
    JSON.stringify(err.data),
    String(err.stack),
    String((err as { cause?: unknown }).cause ?? ''),
  ].join('\n');
  for (const s of secrets) expect(shown).not.toContain(s);
}

describe('private repositories (basic auth on the real git server)', () => {
  it('fetches with user and password from environment variables', async () => {
    const repo = await seedRepo(env, { private: true });
    const source = await openSource({
      spec: { url: repo.url, branch: 'main', auth: { usernameEnv: 'GIT_USER', passwordEnv: 'GIT_TOKEN' } },
      cacheDir,
      env: { GIT_USER: user, GIT_TOKEN: password },
    });
    expect((await source.sync()).head).toBe(await revParse(repo.bare));
  });

  it('fetches with a token from the environment', async () => {
    const repo = await seedRepo(env, { private: true });
    const source = await openSource({
      spec: { url: repo.url, branch: 'main', auth: { usernameEnv: 'U', tokenEnv: 'T' } },
      cacheDir,
      env: { U: user, T: password },
    });
    expect((await source.sync()).head).toBe(await revParse(repo.bare));
  });

  it('fetches with credentials from a git-credential-store file', async () => {
    const repo = await seedRepo(env, { private: true });
    const file = join(dir, 'git-credentials');
    const origin = new URL(env.git.url);
    writeFileSync(
      file,
      `https://someone:else@git.example\n${origin.protocol}//${encodeURIComponent(user)}:${encodeURIComponent(password)}@${origin.host}\n`,
      { mode: 0o600 },
    );
    const source = await openSource({
      spec: { url: repo.url, branch: 'main', auth: { credentialsFile: file } },
      cacheDir,
    });
    expect((await source.sync()).head).toBe(await revParse(repo.bare));
  });

  it('fetches with credentials embedded in the URL, and never shows them', async () => {
    const repo = await seedRepo(env, { private: true });
    const withCreds = repo.url.replace('://', `://${user}:${password}@`);
    const source = await openSource({ spec: { url: withCreds, branch: 'main' }, cacheDir });
    expect(source.display).toBe(repo.url);
    expect(JSON.stringify(source)).not.toContain(password);
    expect((await source.sync()).head).toBe(await revParse(repo.bare));
  });

  it('fails clearly without credentials', async () => {
    const repo = await seedRepo(env, { private: true });
    const source = await openSource({ spec: { url: repo.url, branch: 'main' }, cacheDir });
    const err = await failure(source.sync());
    expect(err).toMatchObject({
      code: 'E_UNAUTHORIZED',
      message: `${repo.url}: authentication required and no credentials are configured (source auth)`,
    });
    expectNoSecret(err, password);
  });

  it('fails clearly with a wrong password, and the error holds neither password', async () => {
    const repo = await seedRepo(env, { private: true });
    const wrong = 'wrong-Pa55word-xyz';
    for (const auth of [{ usernameEnv: 'U', passwordEnv: 'P' }, { credentialsFile: join(dir, 'wrong') }]) {
      writeFileSync(join(dir, 'wrong'), `${new URL(env.git.url).origin.replace('://', `://${user}:${wrong}@`)}\n`);
      const source = await openSource({
        spec: { url: repo.url, branch: 'main', auth },
        cacheDir,
        env: { U: user, P: wrong },
      });
      const err = await failure(source.sync());
      expect(err).toMatchObject({
        code: 'E_UNAUTHORIZED',
        message: `${repo.url}: authentication required and the credentials were refused`,
      });
      expectNoSecret(err, wrong, password);
    }
  });

  it('names an unset variable', async () => {
    const repo = await seedRepo(env, { private: true });
    const source = await openSource({
      spec: { url: repo.url, branch: 'main', auth: { tokenEnv: 'DROVER_NO_SUCH_VAR' } },
      cacheDir,
      env: {},
    });
    await expect(source.sync()).rejects.toMatchObject({
      code: 'E_INVALID_INPUT',
      message: 'environment variable DROVER_NO_SUCH_VAR (source auth.tokenEnv) is not set',
    });
  });
});
