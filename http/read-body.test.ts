// The bounded body read through Hono's body-limit, on requests made without
// a socket (app.request) from streams that count what was pulled from them.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { type BoundedBody, readBoundedBody } from './read-body.ts';

/** A body of `n` chunks of `size` bytes that counts how many chunks were pulled from it. */
function counted(n: number, size: number) {
  const state = { pulled: 0 };
  // No queue ahead of the reader (highWaterMark 0): a chunk is pulled only when it is read.
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.pulled >= n) return controller.close();
        state.pulled++;
        controller.enqueue(new Uint8Array(size).fill(0x61));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** Posts `body` to an app that reads it with a cap of `maxBytes`, and returns what the read said. */
async function read(body: ReadableStream<Uint8Array>, maxBytes: number, headers: Record<string, string> = {}) {
  let got: BoundedBody | undefined;
  const app = new Hono();
  app.post('/', async (c) => {
    got = await readBoundedBody({ c, maxBytes });
    return c.body(null, 204);
  });
  await app.request('/', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
  return got!;
}

describe('readBoundedBody', () => {
  it('returns the whole body when it fits, up to exactly the cap', async () => {
    const r = await read(counted(4, 256).stream, 1024);
    expect(r.ok && r.body.length).toBe(1024);
  });

  it('refuses as soon as the cap is passed and stops reading the stream', async () => {
    const { stream, state } = counted(10_000, 1024);
    expect(await read(stream, 4096)).toEqual({ ok: false, reason: 'too-large' });
    // Give the stream every chance to keep flowing: it must stay far from its 10,000 chunks.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state.pulled).toBeLessThan(10);
  });

  it('refuses a declared Content-Length over the cap without reading a byte', async () => {
    const { stream, state } = counted(10, 1024);
    expect(await read(stream, 4096, { 'content-length': '10240' })).toEqual({ ok: false, reason: 'too-large' });
    expect(state.pulled).toBe(0);
  });

  it('reports a body that errors before its end as aborted', async () => {
    let n = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (n++ === 0) controller.enqueue(new TextEncoder().encode('abc'));
        else controller.error(new Error('socket hang up'));
      },
    });
    expect(await read(stream, 100)).toEqual({ ok: false, reason: 'aborted' });
  });
});
