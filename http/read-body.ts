/**
 * Reads a request body with a hard byte cap, through Hono's body-limit
 * middleware: a declared Content-Length over the cap is refused before a
 * byte is read; a body sent without one is refused the moment it grows past
 * the cap (the reader stops there and keeps nothing). The caller answers
 * 413 and closes the connection. Run where the route wants it, not in
 * front of the route, so a route's own checks (a session, a daemon ready,
 * shutting down) keep coming first.
 *
 * @example
 *   const r = await readBoundedBody({ c, maxBytes: 1 << 20 });
 *   if (!r.ok) return errorReply(c, 413, ...);
 */
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';

export type BoundedBody = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

export async function readBoundedBody({ c, maxBytes }: { c: Context; maxBytes: number }): Promise<BoundedBody> {
  let result: BoundedBody = { ok: false, reason: 'aborted' };
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (lc) => {
      result = { ok: false, reason: 'too-large' };
      return lc.body(null, 413);
    },
  });
  try {
    await limit(c, async () => {
      result = { ok: true, body: Buffer.from(await c.req.arrayBuffer()) };
    });
  } catch {
    // The client went away (or sent less than it declared): nothing to answer it with.
    result = { ok: false, reason: 'aborted' };
  }
  return result;
}
