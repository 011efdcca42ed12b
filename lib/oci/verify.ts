/**
 * Integrity checks shared by both stores: a body is size-capped before and
 * while it is read, then its digest and size are compared with what was asked
 * for. Every failure is an IntegrityError naming the store location and digest.
 *
 * @example
 *   const bytes = await readVerified({ response, location, digest, maxBytes: 1 << 20 });
 */
import { createHash } from 'node:crypto';
import { IntegrityError } from '../errors/errors.ts';
import type { Digest } from './digest.ts';
import type { HttpResponse } from './http-fetch.ts';

export interface Expected {
  /** The store location (`host/repo` or layout dir), for the message. */
  location: string;
  /** The digest the content must hash to; undefined when fetched by tag (checked by the caller). */
  digest?: Digest;
  size?: number;
  maxBytes: number;
  /** What is being read, for messages: `blob` or `manifest`. */
  what: string;
  /** How the content was named, when not by digest (a tag). */
  name?: string;
}

function label(e: Expected): string {
  return `${e.what} ${e.digest ?? e.name ?? ''} in ${e.location}`;
}

function fail(e: Expected, problem: string, data: Record<string, unknown> = {}): IntegrityError {
  return new IntegrityError(`${label(e)}: ${problem}`, {
    data: { location: e.location, digest: e.digest, name: e.name, ...data },
  });
}

/** Refuses a declared length that breaks the cap or the expected size, before any byte is read. */
export function checkDeclaredSize(e: Expected, declared: number | undefined): void {
  if (e.size !== undefined && e.size > e.maxBytes) {
    throw fail(e, `expected size ${e.size} exceeds the limit of ${e.maxBytes} bytes`, {
      size: e.size,
      maxBytes: e.maxBytes,
    });
  }
  if (declared === undefined) return;
  if (declared > e.maxBytes) {
    throw fail(e, `size ${declared} exceeds the limit of ${e.maxBytes} bytes`, {
      size: declared,
      maxBytes: e.maxBytes,
    });
  }
  if (e.size !== undefined && declared !== e.size) {
    throw fail(e, `size ${declared} does not match the expected ${e.size}`, { size: declared, expectedSize: e.size });
  }
}

/** Checks bytes already in memory against the expectation; returns their digest. */
export function verifyBytes(e: Expected, bytes: Uint8Array): Digest {
  checkDeclaredSize(e, bytes.byteLength);
  const actual: Digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (e.digest !== undefined && actual !== e.digest) {
    throw fail(e, `content hashes to ${actual}`, { actualDigest: actual });
  }
  return actual;
}

/**
 * Reads a fetch Response body under the cap, counting bytes as they arrive so
 * a lying or missing Content-Length cannot make us buffer more than `maxBytes`.
 */
export async function readVerified(
  e: Expected & { response: HttpResponse },
): Promise<{ bytes: Uint8Array; digest: Digest }> {
  const header = e.response.headers.get('content-length');
  const declared = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
  try {
    checkDeclaredSize(e, declared);
  } catch (err) {
    await e.response.body?.cancel().catch(() => {});
    throw err;
  }
  const chunks: Uint8Array[] = [];
  const hash = createHash('sha256');
  let total = 0;
  const body = e.response.body;
  if (body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > e.maxBytes) {
        await reader.cancel().catch(() => {});
        throw fail(e, `body exceeds the limit of ${e.maxBytes} bytes`, { maxBytes: e.maxBytes });
      }
      hash.update(value);
      chunks.push(value);
    }
  }
  const bytes = Buffer.concat(chunks, total);
  if (e.size !== undefined && total !== e.size) {
    throw fail(e, `read ${total} bytes, expected ${e.size}`, { size: total, expectedSize: e.size });
  }
  const actual: Digest = `sha256:${hash.digest('hex')}`;
  if (e.digest !== undefined && actual !== e.digest) {
    throw fail(e, `content hashes to ${actual}`, { actualDigest: actual });
  }
  return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), digest: actual };
}
