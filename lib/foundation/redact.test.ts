import { describe, expect, it } from 'vitest';
import { redactSecrets, redactUrl } from './redact.ts';

describe('redactUrl', () => {
  it.each([
    ['https://bot:s3cret@git.example/apps.git', 'https://git.example/apps.git'],
    ['https://bot@git.example:8443/apps.git', 'https://git.example:8443/apps.git'],
    ['http://:tok@127.0.0.1:9/x.git', 'http://127.0.0.1:9/x.git'],
    ['https://git.example/apps.git', 'https://git.example/apps.git'],
    ['/srv/manifests', '/srv/manifests'],
    ['https://a:b@[bad/x', 'https://[bad/x'],
  ])('%s -> %s', (url, want) => {
    expect(redactUrl(url)).toBe(want);
  });
});

describe('redactSecrets', () => {
  it('replaces each secret and its URL-encoded form', () => {
    expect(redactSecrets('auth p@ss failed; url https://u:p%40ss@h', ['p@ss', ''])).toBe(
      'auth *** failed; url https://u:***@h',
    );
  });
});
