import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { assertDigest, digestHex, isDigest, sha256Digest } from './digest.ts';

const EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('digest', () => {
  it('hashes bytes to sha256:<hex>', () => {
    expect(sha256Digest(new Uint8Array())).toBe(EMPTY);
    expect(digestHex(EMPTY)).toHaveLength(64);
  });

  it.each([
    [EMPTY, true],
    [EMPTY.toUpperCase(), false],
    ['sha512:' + 'a'.repeat(128), false],
    ['sha256:' + 'a'.repeat(63), false],
    ['sha256:' + 'a'.repeat(65), false],
    ['sha256:../../' + 'a'.repeat(58), false],
    ['', false],
  ])('isDigest(%j) = %s', (value, ok) => {
    expect(isDigest(value)).toBe(ok);
    if (ok) expect(assertDigest(value)).toBe(value);
    else expect(() => assertDigest(value)).toThrow(InvalidInputError);
  });
});
