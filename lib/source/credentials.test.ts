import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCredential, parseCredentialStore, resolveCredentials } from './credentials.ts';

const store = `
# comment
https://bot:t%40ken@git.example
http://alice:pw1@127.0.0.1:8080/private
https://carol:pw2@GIT.example:8443/team/repo.git
`;

describe('parseCredentialStore', () => {
  it('parses lines, decoding user and password', () => {
    expect(parseCredentialStore(store)).toEqual([
      { protocol: 'https', host: 'git.example', path: '', username: 'bot', password: 't@ken' },
      { protocol: 'http', host: '127.0.0.1:8080', path: 'private', username: 'alice', password: 'pw1' },
      { protocol: 'https', host: 'git.example:8443', path: 'team/repo.git', username: 'carol', password: 'pw2' },
    ]);
  });

  it.each([['not a url'], ['ssh://u:p@host'], ['https://host-without-user']])(
    'rejects %j by line number, without the line',
    (line) => {
      let err: Error | undefined;
      try {
        parseCredentialStore(`https://a:b@h\n${line}\n`, { file: '/x/creds' });
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message).toBe('/x/creds: line 2 is not an http(s)://user:password@host entry');
    },
  );
});

describe('findCredential', () => {
  const entries = parseCredentialStore(store);
  it.each([
    ['https://git.example/any/repo.git', 'bot'],
    ['http://git.example/any/repo.git', undefined],
    ['http://127.0.0.1:8080/private/x.git', 'alice'],
    ['http://127.0.0.1:8080/public/x.git', undefined],
    ['http://127.0.0.1:8081/private/x.git', undefined],
    ['https://git.example:8443/team/repo.git', 'carol'],
    ['https://git.example:8443/team/other.git', undefined],
  ])('%s -> %s', (url, user) => {
    expect(findCredential({ entries, url })?.username).toBe(user);
  });
});

describe('resolveCredentials', () => {
  const url = 'https://git.example/a.git';
  it('token from env, with a default user name', async () => {
    expect(await resolveCredentials({ auth: { tokenEnv: 'TOK' }, url, env: { TOK: 't' } })).toEqual({
      username: 'x-access-token',
      password: 't',
    });
  });
  it('user and password from env', async () => {
    expect(
      await resolveCredentials({ auth: { usernameEnv: 'U', passwordEnv: 'P' }, url, env: { U: 'u', P: 'p' } }),
    ).toEqual({ username: 'u', password: 'p' });
  });
  it('names the missing variable, not a value', async () => {
    await expect(resolveCredentials({ auth: { tokenEnv: 'TOK' }, url, env: {} })).rejects.toThrow(
      'environment variable TOK (source auth.tokenEnv) is not set',
    );
  });
  it('credentials file, then URL credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-creds-'));
    const file = join(dir, 'creds');
    writeFileSync(file, store);
    expect(await resolveCredentials({ auth: { credentialsFile: file }, url })).toEqual({
      username: 'bot',
      password: 't@ken',
    });
    const fromUrl = { username: 'x', password: 'y' };
    expect(
      await resolveCredentials({
        auth: { credentialsFile: file },
        url: 'https://other.example/a.git',
        urlCredentials: fromUrl,
      }),
    ).toEqual(fromUrl);
    await expect(resolveCredentials({ auth: { credentialsFile: join(dir, 'none') }, url })).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
    });
  });
  it('anonymous when nothing is configured', async () => {
    expect(await resolveCredentials({ auth: {}, url })).toBeUndefined();
  });
});
