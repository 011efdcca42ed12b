import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzipBounded, gzipDeterministic } from './gzip.ts';

const sizes = [0, 1, 65_535, 65_536, 200_000];

describe('gzip', () => {
  it.each(sizes)('stored gzip of %i bytes is valid, fixed-header gzip', (size) => {
    const data = new Uint8Array(size).map((_, i) => (i * 31) % 251);
    const gz = gzipDeterministic({ data });
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    expect(new Uint8Array(gunzipSync(gz))).toEqual(data);
    expect(gunzipBounded({ bytes: gz, maxBytes: size })).toEqual(data);
    expect(gzipDeterministic({ data })).toEqual(gz);
  });

  it('level 9 compresses with a normalised header', () => {
    const data = new TextEncoder().encode('{"a":"b"}'.repeat(1000));
    const gz = gzipDeterministic({ data, level: 9 });
    expect(gz.length).toBeLessThan(data.length / 10);
    expect([...gz.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
    expect(gz[9]).toBe(0xff);
    expect(gunzipBounded({ bytes: gz, maxBytes: data.length })).toEqual(data);
  });

  it.each([
    {
      name: 'a decompression bomb',
      bytes: gzipDeterministic({ data: new Uint8Array(1 << 20), level: 9 }),
      maxBytes: 1000,
      message: /more than 1000 bytes/,
    },
    {
      name: 'not gzip',
      bytes: new TextEncoder().encode('just some text, long enough'),
      maxBytes: 1000,
      message: /not gzip/,
    },
    {
      name: 'a corrupt stream',
      bytes: (() => {
        const g = gzipDeterministic({ data: new Uint8Array(100) });
        g[g.length - 5] = (g[g.length - 5]! + 1) & 0xff;
        return g;
      })(),
      maxBytes: 1000,
      message: /corrupt/,
    },
  ])('gunzipBounded refuses $name', ({ bytes, maxBytes, message }) => {
    expect(() => gunzipBounded({ bytes, maxBytes })).toThrow(message);
  });
});
