/**
 * Reads a request body with a hard byte cap. A declared Content-Length over
 * the cap is refused before a byte is read; a body that grows past the cap
 * while streaming is refused the moment it does: the reader stops (pauses
 * the stream and drops its listener), keeps nothing beyond the cap, and the
 * caller answers 413 and closes the connection.
 *
 * @example
 *   const r = await readBoundedBody({ stream: req, headers: req.headers, maxBytes: 1 << 20 });
 *   if (!r.ok) return reply(413);
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export type BoundedBody =
  | { ok: true; body: Buffer }
  | { ok: false; reason: 'too-large'; receivedBytes: number; declaredBytes?: number }
  | { ok: false; reason: 'aborted' };

export function readBoundedBody({
  stream,
  headers = {},
  maxBytes,
}: {
  stream: Readable;
  headers?: IncomingHttpHeaders;
  maxBytes: number;
}): Promise<BoundedBody> {
  const declared = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (declared !== undefined && Number.isFinite(declared) && declared > maxBytes) {
    stream.pause();
    return Promise.resolve({ ok: false, reason: 'too-large', receivedBytes: 0, declaredBytes: declared });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const done = (r: BoundedBody) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      resolve(r);
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += b.length;
      if (received > maxBytes) {
        stream.pause();
        chunks.length = 0;
        done({ ok: false, reason: 'too-large', receivedBytes: received });
        return;
      }
      chunks.push(b);
    };
    const onEnd = () => done({ ok: true, body: Buffer.concat(chunks, received) });
    const onError = () => done({ ok: false, reason: 'aborted' });
    const onClose = () => done({ ok: false, reason: 'aborted' });
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
