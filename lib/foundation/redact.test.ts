import { describe, expect, it } from 'vitest';
import { isCredentialParam, redactCredentials, redactSecrets, redactUrl } from './redact.ts';

describe('redactUrl', () => {
  it.each([
    ['https://bot:s3cret@git.example/apps.git', 'https://git.example/apps.git'],
    ['https://bot@git.example:8443/apps.git', 'https://git.example:8443/apps.git'],
    ['http://:tok@127.0.0.1:9/x.git', 'http://127.0.0.1:9/x.git'],
    ['https://git.example/apps.git', 'https://git.example/apps.git'],
    ['/srv/manifests', '/srv/manifests'],
    ['https://a:b@[bad/x', 'https://[bad/x'],
    ['https://git.example/x.git?private_token=abc', 'https://git.example/x.git?private_token=***'],
    [
      'https://u:p@git.example/x.git?ref=main&access_token=abc#x',
      'https://git.example/x.git?ref=main&access_token=***#x',
    ],
    [
      'https://b.s3.example/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F1&X-Amz-Signature=f00d',
      'https://b.s3.example/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***&X-Amz-Signature=***',
    ],
    ['https://acct.blob.example/c/b?sv=2024-01-01&sig=AbC%3D', 'https://acct.blob.example/c/b?sv=2024-01-01&sig=***'],
    ['https://app.example/cb#access_token=abc&state=1', 'https://app.example/cb#access_token=***&state=1'],
    ['https://h/x?password=&token=***', 'https://h/x?password=&token=***'],
    ['https://a:b@[bad/x?secret=1', 'https://[bad/x?secret=***'],
  ])('%s -> %s', (url, want) => {
    expect(redactUrl(url)).toBe(want);
  });
});

describe('isCredentialParam', () => {
  it.each([
    ['token', true],
    ['access_token', true],
    ['private_token', true],
    ['password', true],
    ['client_secret', true],
    ['api_key', true],
    ['apiKey', true],
    ['sig', true],
    ['X-Amz-Signature', true],
    ['X-Amz-Credential', true],
    ['X-Goog-Signature', true],
    ['Authorization', true],
    ['sessionid', true],
    ['pwd', true],
    ['ref', false],
    ['service', false],
    ['scope', false],
    ['sv', false],
    ['X-Amz-Algorithm', false],
    ['X-Amz-Date', false],
  ])('%s: %s', (name, want) => {
    expect(isCredentialParam(name)).toBe(want);
  });
});

describe('redactCredentials', () => {
  it.each([
    [
      'GET https://git.example/x.git?private_token=abc/info/refs?service=git-upload-pack: HTTP 404',
      'GET https://git.example/x.git?private_token=***',
    ],
    [
      'fetch http://u:pw@h:8080/r.git failed (see "http://h/y?token=t1")',
      'fetch http://h:8080/r.git failed (see "http://h/y?token=***")',
    ],
    [
      'PUT /v2/a/blobs/uploads/x?_state=abc&digest=sha256:1 refused',
      'PUT /v2/a/blobs/uploads/x?_state=abc&digest=sha256:1 refused',
    ],
    ['{"url":"https://h/x?api_key=k1&a=1"}', '{"url":"https://h/x?api_key=***&a=1"}'],
    ['no url here, token=abc', 'no url here, token=abc'],
    ['mail me@example.com', 'mail me@example.com'],
  ])('%s', (text, want) => {
    expect(redactCredentials(text).startsWith(want)).toBe(true);
  });

  it('is idempotent', () => {
    const once = redactCredentials('https://u:p@h/x?token=abc&sig=d');
    expect(redactCredentials(once)).toBe(once);
    expect(once).toBe('https://h/x?token=***&sig=***');
  });
});

describe('redactSecrets', () => {
  it('replaces each secret and its URL-encoded form', () => {
    expect(redactSecrets('auth p@ss failed; url https://u:p%40ss@h', ['p@ss', ''])).toBe(
      'auth *** failed; url https://u:***@h',
    );
  });
});
