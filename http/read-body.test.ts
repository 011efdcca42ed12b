import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBoundedBody } from './read-body.ts';

/** A stream of `n` chunks of `size` bytes that counts how many chunks were pulled from it. */
function counted(n: number, size: number) {
  const state = { pulled: 0 };
  const stream = new Readable({
    highWaterMark: size,
    read() {
      if (state.pulled >= n) return this.push(null);
      state.pulled++;
      this.push(Buffer.alloc(size, 0x61));
    },
  });
  return { stream, state };
}

describe('readBoundedBody', () => {
  it('returns the whole body when it fits, up to exactly the cap', async () => {
    const { stream } = counted(4, 256);
    const r = await readBoundedBody({ stream, maxBytes: 1024 });
    expect(r.ok && r.body.length).toBe(1024);
  });

  it('refuses as soon as the cap is passed and stops reading the stream', async () => {
    const { stream, state } = counted(10_000, 1024);
    const r = await readBoundedBody({ stream, maxBytes: 4096 });
    expect(r).toEqual({ ok: false, reason: 'too-large', receivedBytes: 5120 });
    // Give the stream every chance to keep flowing: it must stay paused, far from its 10,000 chunks.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state.pulled).toBeLessThan(10);
    expect(stream.isPaused()).toBe(true);
  });

  it('refuses a declared Content-Length over the cap without reading a byte', async () => {
    const { stream, state } = counted(10, 1024);
    const r = await readBoundedBody({ stream, headers: { 'content-length': '10240' }, maxBytes: 4096 });
    expect(r).toEqual({ ok: false, reason: 'too-large', receivedBytes: 0, declaredBytes: 10240 });
    expect(state.pulled).toBe(0);
  });

  it('reports a stream that errors or closes early as aborted', async () => {
    const stream = new Readable({ read() {} });
    const p = readBoundedBody({ stream, maxBytes: 100 });
    stream.push('abc');
    stream.destroy(new Error('socket hang up'));
    expect(await p).toEqual({ ok: false, reason: 'aborted' });
  });
});
