import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { parseSourceUrl, validateSourceSpec } from './spec.ts';

describe('parseSourceUrl', () => {
  it.each([
    ['https://git.example/apps.git', { kind: 'remote', url: 'https://git.example/apps.git' }],
    ['http://127.0.0.1:8080/x.git', { kind: 'remote', url: 'http://127.0.0.1:8080/x.git' }],
    ['HTTPS://Git.Example/apps', { kind: 'remote', url: 'https://git.example/apps' }],
    ['https://bot:s3cret@git.example/apps.git', { kind: 'remote', url: 'https://git.example/apps.git' }],
    ['/srv/manifests', { kind: 'local', path: '/srv/manifests' }],
    ['/srv/manifests/../m2/', { kind: 'local', path: '/srv/m2' }],
    ['manifests', { kind: 'local', path: '/base/manifests' }],
    ['./a/b', { kind: 'local', path: '/base/a/b' }],
  ])('accepts %s', (url, location) => {
    expect(parseSourceUrl({ url, baseDir: '/base' }).location).toEqual(location);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    [
      'ssh://git@git.example/apps.git',
      /uses ssh:\/\/, which is not supported; accepted are https:\/\/ and http:\/\/ URLs and local paths/,
    ],
    ['git://git.example/apps.git', /uses git:\/\//],
    ['file:///srv/manifests', /uses file:\/\/.*give its path without file:\/\//],
    ['git+ssh://git.example/x', /uses git\+ssh:\/\//],
    ['ftp://git.example/x', /uses ftp:\/\//],
    ['git@github.com:org/repo.git', /looks like SSH/],
    ['host:org/repo.git', /looks like SSH/],
    ['https://', /not a valid URL|no host/],
    ['https://git.example/x.git#main', /fragment/],
  ])('rejects %j', (url, message) => {
    let err: unknown;
    try {
      parseSourceUrl({ url, baseDir: '/base' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(message);
  });

  it('keeps credentials from the URL apart, decoded', () => {
    expect(parseSourceUrl({ url: 'https://bot:p%40ss@git.example/a.git' }).urlCredentials).toEqual({
      username: 'bot',
      password: 'p@ss',
    });
  });

  it('never shows the password in a rejection', () => {
    expect(() => parseSourceUrl({ url: 'ssh://bot:s3cret@git.example/a.git' })).toThrow(/ssh:\/\/git\.example\/a\.git/);
    try {
      parseSourceUrl({ url: 'ssh://bot:s3cret@git.example/a.git' });
    } catch (e) {
      expect(JSON.stringify(e)).not.toContain('s3cret');
      expect((e as Error).message).not.toContain('s3cret');
    }
  });
});

describe('validateSourceSpec', () => {
  it('normalizes branch, paths and display', () => {
    const v = validateSourceSpec({
      spec: { url: 'https://u:p@git.example/a.git', branch: 'refs/heads/main', paths: ['./apps/', 'infra/**/*.yaml'] },
    });
    expect(v).toMatchObject({
      display: 'https://git.example/a.git',
      branch: 'main',
      paths: ['apps', 'infra/**/*.yaml'],
    });
    expect(JSON.stringify(v.location)).not.toContain(':p@');
  });

  it('shows a credential in the query as ***', () => {
    const v = validateSourceSpec({ spec: { url: 'https://git.example/a.git?private_token=abc123', branch: 'main' } });
    expect(v.display).toBe('https://git.example/a.git?private_token=***');
  });

  it.each([
    [{ url: 'https://git.example/a.git', branch: 'a..b' }, /branch/],
    [{ url: 'https://git.example/a.git', branch: 'main', paths: ['/abs'] }, /absolute/],
    [{ url: 'https://git.example/a.git', branch: 'main', paths: ['a/../b'] }, /'\.\.'/],
    [{ url: 'https://git.example/a.git', branch: 'main', auth: { passwordEnv: 'P', tokenEnv: 'T' } }, /both/],
    [{ url: 'https://git.example/a.git', branch: 'main', auth: { tokenEnv: '' } }, /auth.tokenEnv/],
    [{ url: '/srv/m', branch: 'main', auth: { tokenEnv: 'T' } }, /local path/],
  ])('rejects %j', (spec, message) => {
    expect(() => validateSourceSpec({ spec })).toThrow(message);
  });
});
