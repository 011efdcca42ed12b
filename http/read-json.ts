/**
 * The JSON body of an API request, bounded: too large is 413, unparseable or
 * not an object is 400. Returns a reply to send instead when it fails.
 */
import type { IncomingMessage } from 'node:http';
import { readBoundedBody } from './read-body.ts';
import { errorReply, type Reply } from './router.ts';

export async function readJsonObject(
  req: IncomingMessage,
  maxBytes: number,
): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; reply: Reply }> {
  const body = await readBoundedBody({ stream: req, headers: req.headers, maxBytes });
  if (!body.ok)
    return {
      ok: false,
      reply:
        body.reason === 'too-large'
          ? {
              ...errorReply(413, 'E_TOO_LARGE', `request body over ${maxBytes} bytes`),
              headers: { connection: 'close' },
            }
          : errorReply(400, 'E_INVALID_INPUT', 'request body aborted'),
    };
  if (body.body.length === 0) return { ok: true, value: {} };
  try {
    const v: unknown = JSON.parse(body.body.toString('utf8'));
    if (!v || typeof v !== 'object' || Array.isArray(v))
      return { ok: false, reply: errorReply(400, 'E_INVALID_INPUT', 'request body must be a JSON object') };
    return { ok: true, value: v as Record<string, unknown> };
  } catch (err) {
    return {
      ok: false,
      reply: errorReply(400, 'E_INVALID_INPUT', `request body is not JSON: ${(err as Error).message}`),
    };
  }
}
