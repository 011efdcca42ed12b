import { describe, expect, it } from 'vitest';
import { constantTimeEqual, signWebhookBody, verifyWebhook } from './verify-webhook.ts';

const secret = "It's a Secret to Everybody";
const body = Buffer.from('Hello, World!');
// The test vector from GitHub's "Validating webhook deliveries" documentation.
const githubVector = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('signWebhookBody', () => {
  it("matches GitHub's documented vector", () => {
    expect(signWebhookBody({ secret, body })).toBe(githubVector);
    expect(signWebhookBody({ secret, body: 'Hello, World!' })).toBe(githubVector);
  });
});

describe('verifyWebhook', () => {
  it.each([
    ['github', { 'x-hub-signature-256': githubVector }, { ok: true }],
    ['github', { 'x-hub-signature-256': githubVector.toUpperCase().replace('SHA256=', 'sha256=') }, { ok: true }],
    ['github', { 'x-hub-signature-256': githubVector.replace(/.$/, '0') }, { ok: false, reason: 'bad-signature' }],
    ['github', { 'x-hub-signature-256': 'sha1=abc' }, { ok: false, reason: 'malformed-signature' }],
    ['github', { 'x-hub-signature-256': 'sha256=abc' }, { ok: false, reason: 'malformed-signature' }],
    ['github', { 'x-drover-signature': githubVector }, { ok: false, reason: 'missing-signature' }],
    ['github', {}, { ok: false, reason: 'missing-signature' }],
    ['generic', { 'x-drover-signature': githubVector }, { ok: true }],
    ['generic', { 'x-hub-signature-256': githubVector }, { ok: false, reason: 'missing-signature' }],
    ['gitlab', { 'x-gitlab-token': secret }, { ok: true }],
    ['gitlab', { 'x-gitlab-token': `${secret} ` }, { ok: false, reason: 'bad-signature' }],
    ['gitlab', { 'x-gitlab-token': githubVector }, { ok: false, reason: 'bad-signature' }],
    ['gitlab', {}, { ok: false, reason: 'missing-signature' }],
  ] as const)('%s %j -> %j', (provider, headers, expected) => {
    expect(verifyWebhook({ provider, headers, body, secret })).toEqual(expected);
  });

  it('checks the exact bytes: one changed byte of the body fails', () => {
    const other = Buffer.from('Hello, World?');
    expect(
      verifyWebhook({ provider: 'github', headers: { 'x-hub-signature-256': githubVector }, body: other, secret }),
    ).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses everything when no secret is configured, even an empty-secret signature', () => {
    const emptySig = signWebhookBody({ secret: '', body });
    for (const s of [undefined, '']) {
      expect(
        verifyWebhook({ provider: 'github', headers: { 'x-hub-signature-256': emptySig }, body, secret: s }),
      ).toEqual({ ok: false, reason: 'no-secret-configured' });
      expect(verifyWebhook({ provider: 'gitlab', headers: { 'x-gitlab-token': '' }, body, secret: s })).toEqual({
        ok: false,
        reason: 'no-secret-configured',
      });
    }
  });
});

describe('constantTimeEqual', () => {
  it('compares strings of any length', () => {
    expect(constantTimeEqual('a', 'a')).toBe(true);
    expect(constantTimeEqual('a', 'ab')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('token-1', 'token-2')).toBe(false);
  });
});
