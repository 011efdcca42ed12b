import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../errors/errors.ts';
import { sha256Digest } from './digest.ts';
import { readVerified, verifyBytes } from './verify.ts';

const data = new TextEncoder().encode('hello drover');
const digest = sha256Digest(data);
const base = { location: 'reg/repo', what: 'blob', maxBytes: 1024 };

function streamed(chunks: Uint8Array[], headers: Record<string, string> = {}): Response {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const x of chunks) c.enqueue(x);
      c.close();
    },
  });
  return new Response(body, { headers });
}

describe('verifyBytes', () => {
  it('accepts matching content and names the repository and digest on mismatch', () => {
    expect(verifyBytes({ ...base, digest, size: data.length }, data)).toBe(digest);
    const other = sha256Digest(new Uint8Array([1]));
    const err = (() => {
      try {
        verifyBytes({ ...base, digest: other }, data);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toContain('reg/repo');
    expect((err as Error).message).toContain(other);
  });

  it('refuses content over the cap or of the wrong size', () => {
    expect(() => verifyBytes({ ...base, maxBytes: 4 }, data)).toThrow(/limit of 4 bytes/);
    expect(() => verifyBytes({ ...base, size: 3 }, data)).toThrow(/expected 3/);
  });
});

describe('readVerified', () => {
  it('reads and verifies a streamed body', async () => {
    const r = await readVerified({ ...base, digest, response: streamed([data.slice(0, 5), data.slice(5)]) });
    expect(Buffer.from(r.bytes).toString()).toBe('hello drover');
    expect(r.digest).toBe(digest);
  });

  it('refuses a declared Content-Length over the cap before reading', async () => {
    let pulled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull() {
          pulled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const response = new Response(body, { headers: { 'content-length': '2048' } });
    await expect(readVerified({ ...base, response })).rejects.toThrow(IntegrityError);
    expect(pulled).toBe(false);
  });

  it('stops reading once more than the cap has arrived, whatever the headers said', async () => {
    const big = new Uint8Array(600);
    await expect(readVerified({ ...base, response: streamed([big, big, big]) })).rejects.toThrow(/exceeds the limit/);
  });

  it('refuses a body that does not hash to the digest', async () => {
    const bad = new TextEncoder().encode('hello drovEr');
    await expect(readVerified({ ...base, digest, response: streamed([bad]) })).rejects.toThrow(IntegrityError);
  });
});
