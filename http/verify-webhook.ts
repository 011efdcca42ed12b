/**
 * Webhook authenticity, checked on the raw body bytes BEFORE anything parses
 * them: GitHub's `X-Hub-Signature-256: sha256=<hex>` (HMAC-SHA256 of the
 * body), GitLab's `X-Gitlab-Token` (the shared secret itself), and Drover's
 * generic `X-Drover-Signature: sha256=<hex>`, an HMAC-SHA256 of
 * `X-Drover-Timestamp` (Unix seconds), a dot and the body, refused more than
 * five minutes from now either way (so a captured delivery cannot be sent
 * again later; the replay guard covers the five minutes). Every comparison
 * is constant-time; no secret configured means every request is refused.
 * Each provider has its own secret (lib/loop/webhook-secrets.ts).
 *
 * @example
 *   verifyWebhook({ provider: 'github', headers: req.headers, body, secret, nowMs: Date.now() }); // { ok: true } | { ok: false, reason }
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookProvider } from '../lib/index.ts';

export type WebhookVerdict =
  | { ok: true }
  | {
      ok: false;
      reason:
        | 'no-secret-configured'
        | 'missing-signature'
        | 'malformed-signature'
        | 'bad-signature'
        | 'missing-timestamp'
        | 'stale-timestamp';
    };

/** How far `X-Drover-Timestamp` may be from the receiver's clock, either way. */
export const TIMESTAMP_TOLERANCE_MS = 5 * 60_000;
export const TIMESTAMP_HEADER = 'x-drover-timestamp';

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

/**
 * The generic receiver's headers for `body` signed at `nowMs`: what a CI job sends.
 *
 * @example
 *   signGenericWebhook({ secret, body, nowMs: Date.now() })
 *   // => { 'x-drover-timestamp': '1796000000', 'x-drover-signature': 'sha256=...' }
 */
export function signGenericWebhook({
  secret,
  body,
  nowMs,
}: {
  secret: string;
  body: Uint8Array | string;
  nowMs: number;
}): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER.generic]: `sha256=${mac}` };
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
  nowMs,
}: {
  provider: WebhookProvider;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
  secret: string | undefined;
  nowMs: number;
}): WebhookVerdict {
  if (!secret) return { ok: false, reason: 'no-secret-configured' };
  const given = headerValue(headers, SIGNATURE_HEADER[provider]);
  if (given === undefined || given === '') return { ok: false, reason: 'missing-signature' };
  if (provider === 'gitlab')
    return constantTimeEqual(given, secret) ? { ok: true } : { ok: false, reason: 'bad-signature' };
  const m = /^sha256=([0-9a-f]{64})$/i.exec(given.trim());
  if (!m) return { ok: false, reason: 'malformed-signature' };
  const mac = createHmac('sha256', secret);
  const timestamp = headerValue(headers, TIMESTAMP_HEADER)?.trim() ?? '';
  if (provider === 'generic') {
    if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing-timestamp' };
    mac.update(`${timestamp}.`);
  }
  if (!timingSafeEqual(Buffer.from(m[1]!.toLowerCase(), 'hex'), mac.update(body).digest()))
    return { ok: false, reason: 'bad-signature' };
  // Judged only once the signature holds, so that an unsigned request learns nothing about the clock.
  if (provider === 'generic' && Math.abs(Number(timestamp) * 1000 - nowMs) > TIMESTAMP_TOLERANCE_MS)
    return { ok: false, reason: 'stale-timestamp' };
  return { ok: true };
}
