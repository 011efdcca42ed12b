/**
 * The webhook receiver: `POST /hooks/github`, `/hooks/gitlab`,
 * `/hooks/generic`. In this order, and nothing parses the body before the
 * signature is verified: read at most `serve.webhook.maxBodyBytes` (413 and
 * close the moment it is exceeded), verify the provider's signature on the
 * raw bytes with that provider's own secret (401 otherwise), refuse a replay
 * of bytes verified in the last ten minutes (409, webhook-replay.ts), parse
 * JSON (400), then match the push to the
 * configured sources (repository URL and branch) and wake them. The answer
 * (202) does not wait for the cut.
 *
 * @example
 *   curl -X POST -H "X-Hub-Signature-256: sha256=$(hmac)" -H 'X-GitHub-Event: push' --data @push.json http://127.0.0.1:7070/hooks/github
 */
import type { IncomingHttpHeaders } from 'node:http';
import { type Context, Hono } from 'hono';
import { type DaemonHandle, WEBHOOK_PROVIDERS, type WebhookProvider } from '../lib/index.ts';
import type { AppEnv } from './app-env.ts';
import { matchSources, parsePushEvent } from './push-event.ts';
import { readBoundedBody } from './read-body.ts';
import { errorReply, jsonReply } from './reply.ts';
import { TIMESTAMP_HEADER, verifyWebhook } from './verify-webhook.ts';
import { createReplayGuard, type ReplayGuard } from './webhook-replay.ts';

export function webhookRoutes(h: DaemonHandle): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const replays = createReplayGuard();
  for (const provider of WEBHOOK_PROVIDERS) app.post(`/hooks/${provider}`, (c) => receive(h, provider, c, replays));
  return app;
}

async function receive(
  h: DaemonHandle,
  provider: WebhookProvider,
  c: Context<AppEnv>,
  replays: ReplayGuard,
): Promise<Response> {
  // The request's headers as node has them (lower-case names), which is what verification and parsing read.
  const headers: IncomingHttpHeaders = Object.fromEntries(c.req.raw.headers);
  const { metrics, log } = h.ctx;
  const count = (result: string) => metrics.webhooks.inc({ provider, result });
  // Close the connection after every refusal: the body may not have been read.
  const refuse = (status: number, result: string, code: string, message: string): Response => {
    count(result);
    log.warn(`webhook refused: ${message}`, { provider, status });
    return errorReply(c, status, code, message, { headers: { connection: 'close' } });
  };
  if (h.status().shuttingDown) return refuse(503, 'unavailable', 'E_UNAVAILABLE', 'shutting down');
  const max = h.webhook.maxBodyBytes;
  const body = await readBoundedBody({ c, maxBytes: max });
  if (!body.ok)
    return body.reason === 'too-large'
      ? refuse(413, 'too-large', 'E_TOO_LARGE', `body over ${max} bytes`)
      : refuse(400, 'aborted', 'E_INVALID_INPUT', 'body aborted');
  const nowMs = Date.now();
  const secret = h.webhook.secrets[provider];
  const verdict = verifyWebhook({ provider, headers, body: body.body, secret, nowMs });
  if (!verdict.ok)
    return refuse(
      401,
      'unauthorized',
      'E_UNAUTHORIZED',
      verdict.reason === 'no-secret-configured'
        ? `no webhook secret of its own is configured for ${provider}`
        : `signature check failed (${verdict.reason})`,
    );
  const timestamp = provider === 'generic' ? String(headers[TIMESTAMP_HEADER]) : '';
  if (replays.check({ provider, signed: [timestamp, body.body], nowMs }) === 'replayed')
    return refuse(409, 'replayed', 'E_REPLAYED', 'this delivery was already received in the last 10 minutes');
  let payload: unknown;
  try {
    payload = JSON.parse(body.body.toString('utf8'));
  } catch {
    return refuse(400, 'invalid', 'E_INVALID_INPUT', 'body is not JSON');
  }
  const event = parsePushEvent({ provider, headers, payload });
  if (event.kind === 'ignored') {
    count('ignored');
    log.info(`webhook ignored: ${event.reason}`, { provider });
    return jsonReply(c, 202, { matched: [], ignored: event.reason });
  }
  const matched = matchSources({ sources: h.ctx.ws.config.sources, event });
  for (const s of matched) h.wakeSource(s.name, 'webhook');
  count(matched.length ? 'accepted' : 'unmatched');
  log.info(matched.length ? `webhook woke ${matched.map((s) => s.name).join(', ')}` : 'webhook matched no source', {
    provider,
    ...(event.branch ? { branch: event.branch } : {}),
    sources: matched.map((s) => s.name),
  });
  return jsonReply(c, 202, { matched: matched.map((s) => s.name) });
}
