import { describe, expect, it } from 'vitest';
import { constantTimeEqual, signGenericWebhook, signWebhookBody, verifyWebhook } from './verify-webhook.ts';

const secret = "It's a Secret to Everybody";
const body = Buffer.from('Hello, World!');
// The test vector from GitHub's "Validating webhook deliveries" documentation.
const nowMs = 1_796_000_000_000;
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
    ['generic', { 'x-drover-signature': githubVector }, { ok: false, reason: 'missing-timestamp' }],
    ['generic', { ...signGenericWebhook({ secret, body, nowMs }) }, { ok: true }],
    ['generic', { ...signGenericWebhook({ secret, body, nowMs: nowMs - 299_000 }) }, { ok: true }],
    ['generic', { ...signGenericWebhook({ secret, body, nowMs: nowMs + 299_000 }) }, { ok: true }],
    [
      'generic',
      { ...signGenericWebhook({ secret, body, nowMs: nowMs - 301_000 }) },
      { ok: false, reason: 'stale-timestamp' },
    ],
    [
      'generic',
      { ...signGenericWebhook({ secret, body, nowMs: nowMs + 301_000 }) },
      { ok: false, reason: 'stale-timestamp' },
    ],
    [
      'generic',
      { ...signGenericWebhook({ secret, body, nowMs }), 'x-drover-timestamp': String(nowMs / 1000 + 1) },
      { ok: false, reason: 'bad-signature' },
    ],
    ['generic', { ...signGenericWebhook({ secret: 'guess', body, nowMs: 0 }) }, { ok: false, reason: 'bad-signature' }],
    ['generic', { 'x-hub-signature-256': githubVector }, { ok: false, reason: 'missing-signature' }],
    ['gitlab', { 'x-gitlab-token': secret }, { ok: true }],
    ['gitlab', { 'x-gitlab-token': `${secret} ` }, { ok: false, reason: 'bad-signature' }],
    ['gitlab', { 'x-gitlab-token': githubVector }, { ok: false, reason: 'bad-signature' }],
    ['gitlab', {}, { ok: false, reason: 'missing-signature' }],
  ] as const)('%s %j -> %j', (provider, headers, expected) => {
    expect(verifyWebhook({ provider, headers, body, secret, nowMs })).toEqual(expected);
  });

  it('checks the exact bytes: one changed byte of the body fails', () => {
    const other = Buffer.from('Hello, World?');
    expect(
      verifyWebhook({
        provider: 'github',
        headers: { 'x-hub-signature-256': githubVector },
        body: other,
        secret,
        nowMs,
      }),
    ).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses everything when no secret is configured, even an empty-secret signature', () => {
    const emptySig = signWebhookBody({ secret: '', body });
    for (const s of [undefined, '']) {
      expect(
        verifyWebhook({ provider: 'github', headers: { 'x-hub-signature-256': emptySig }, body, secret: s, nowMs }),
      ).toEqual({ ok: false, reason: 'no-secret-configured' });
      expect(verifyWebhook({ provider: 'gitlab', headers: { 'x-gitlab-token': '' }, body, secret: s, nowMs })).toEqual({
        ok: false,
        reason: 'no-secret-configured',
      });
    }
  });
});

describe('one secret per provider', () => {
  it("a GitLab token (sent in clear) does not validate a GitHub signature made with it when GitHub's secret differs", () => {
    const gitlabToken = 'gitlab-token-seen-in-a-proxy-log';
    const forged = signWebhookBody({ secret: gitlabToken, body });
    expect(
      verifyWebhook({
        provider: 'github',
        headers: { 'x-hub-signature-256': forged },
        body,
        secret: 'github-own',
        nowMs,
      }),
    ).toEqual({ ok: false, reason: 'bad-signature' });
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
