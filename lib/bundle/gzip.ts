/**
 * Deterministic gzip for bundle layers, and bounded gunzip.
 *
 * The same bundle must give the same layer digest on every machine, but
 * deflate output is only stable per zlib build (Node ships Chromium's zlib,
 * whose output changes between releases). So by default layers use deflate
 * *stored* blocks written here byte by byte: valid gzip that any tool reads,
 * identical everywhere, no larger than the tar plus 5 bytes per 64 KiB.
 * Manifests are small, so the size cost is small. `level: 9` compresses
 * with node:zlib instead (header normalised: no mtime, no name, OS byte 255),
 * deterministic only for one Node/zlib build.
 *
 * @example
 *   gunzipBounded({ bytes: gzipDeterministic({ data }), maxBytes: 1 << 20 }) // => data
 */
import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { InvalidInputError } from '../errors/errors.ts';

export type GzipLevel = 0 | 9;

const MAX_STORED = 0xffff;
const OS_UNKNOWN = 0xff;

/** gzip of `data`: stored blocks for level 0 (the default), zlib's best compression for level 9. */
export function gzipDeterministic({ data, level = 0 }: { data: Uint8Array; level?: GzipLevel }): Uint8Array {
  if (level === 9) {
    const out = new Uint8Array(gzipSync(data, { level: 9 }));
    // RFC 1952 header: MTIME (bytes 4-7) is already 0 for buffers; the OS byte depends on the build platform.
    out[4] = out[5] = out[6] = out[7] = 0;
    out[9] = OS_UNKNOWN;
    return out;
  }
  const blocks = Math.max(1, Math.ceil(data.length / MAX_STORED));
  const out = new Uint8Array(10 + data.length + blocks * 5 + 8);
  out.set([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, OS_UNKNOWN]);
  let at = 10;
  for (let b = 0; b < blocks; b++) {
    const chunk = data.subarray(b * MAX_STORED, Math.min(data.length, (b + 1) * MAX_STORED));
    const len = chunk.length;
    out[at++] = b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE=00 (stored)
    out[at++] = len & 0xff;
    out[at++] = len >>> 8;
    out[at++] = ~len & 0xff;
    out[at++] = (~len >>> 8) & 0xff;
    out.set(chunk, at);
    at += len;
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(at, crc32(data) >>> 0, true);
  view.setUint32(at + 4, data.length >>> 0, true);
  return out;
}

/** Gunzips, refusing output larger than `maxBytes` (decompression bombs) and anything that is not gzip. */
export function gunzipBounded({ bytes, maxBytes }: { bytes: Uint8Array; maxBytes: number }): Uint8Array {
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new InvalidInputError('bundle layer is not gzip', { data: { reason: 'not-gzip' } });
  }
  try {
    return new Uint8Array(gunzipSync(bytes, { maxOutputLength: Math.max(1, maxBytes) }));
  } catch (err) {
    const tooBig = err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new InvalidInputError(
      tooBig
        ? `bundle layer unpacks to more than ${maxBytes} bytes`
        : `bundle layer is corrupt: ${(err as Error).message}`,
      {
        data: { reason: tooBig ? 'too-large' : 'corrupt' },
        cause: err,
      },
    );
  }
}
