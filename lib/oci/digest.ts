/**
 * Content digests. Drover speaks sha256 only: every blob and manifest is named
 * `sha256:<64 lowercase hex>`, and anything else is refused before it reaches
 * a URL or a file path (a digest becomes both).
 *
 * @example
 *   sha256Digest(new TextEncoder().encode('{}'))
 *   // => 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors/errors.ts';

/** A validated `sha256:<hex>` digest (a plain string at runtime). */
export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}

/** Returns `value` as a Digest, or throws InvalidInputError naming what was wrong. */
export function assertDigest(value: string): Digest {
  if (!isDigest(value)) {
    throw new InvalidInputError(`invalid digest "${value.slice(0, 80)}": expected sha256:<64 lowercase hex>`, {
      data: { digest: value.slice(0, 80) },
    });
  }
  return value;
}

/** The sha256 digest of some bytes. */
export function sha256Digest(bytes: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The hex part of a digest, as used in blob paths. */
export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}
