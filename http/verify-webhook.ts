/**
 * Webhook authenticity, checked on the raw body bytes BEFORE anything parses
 * them: GitHub's `X-Hub-Signature-256: sha256=<hex>` (HMAC-SHA256 of the
 * body), GitLab's `X-Gitlab-Token` (the shared secret itself), and Drover's
 * generic `X-Drover-Signature: sha256=<hex>` (same scheme as GitHub). Every
 * comparison is constant-time; no secret configured means every request is
 * refused.
 *
 * @example
 *   verifyWebhook({ provider: 'github', headers: req.headers, body, secret }); // { ok: true } | { ok: false, reason }
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type WebhookProvider = 'github' | 'gitlab' | 'generic';
export const WEBHOOK_PROVIDERS: readonly WebhookProvider[] = ['github', 'gitlab', 'generic'];

export type WebhookVerdict =
  | { ok: true }
  | { ok: false; reason: 'no-secret-configured' | 'missing-signature' | 'malformed-signature' | 'bad-signature' };

/** The header each provider signs with (lower case, as node:http reports it). */
export const SIGNATURE_HEADER: Record<WebhookProvider, string> = {
  github: 'x-hub-signature-256',
  gitlab: 'x-gitlab-token',
  generic: 'x-drover-signature',
};

/** `sha256=<hex>` of the body, as GitHub and the generic receiver expect it. */
export function signWebhookBody({ secret, body }: { secret: string; body: Uint8Array | string }): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time equality of two strings of any length (both are hashed first, so lengths leak nothing either). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function verifyWebhook({
  provider,
  headers,
  body,
  secret,
}: {
  provider: WebhookProvider;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
  secret: string | undefined;
}): WebhookVerdict {
  if (!secret) return { ok: false, reason: 'no-secret-configured' };
  const given = headerValue(headers, SIGNATURE_HEADER[provider]);
  if (given === undefined || given === '') return { ok: false, reason: 'missing-signature' };
  if (provider === 'gitlab')
    return constantTimeEqual(given, secret) ? { ok: true } : { ok: false, reason: 'bad-signature' };
  const m = /^sha256=([0-9a-f]{64})$/i.exec(given.trim());
  if (!m) return { ok: false, reason: 'malformed-signature' };
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(m[1]!.toLowerCase(), 'hex'), expected)
    ? { ok: true }
    : { ok: false, reason: 'bad-signature' };
}
