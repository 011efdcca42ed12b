import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { readTar, writeTar, type TarEntry } from './tar.ts';

const enc = new TextEncoder();
const entry = (path: string, text = path): TarEntry => ({ path, content: enc.encode(text) });

/** Overwrites a header field and fixes the checksum, to forge archives a writer would not make. */
function forge(tar: Uint8Array, at: number, patch: Record<number, string>): Uint8Array {
  const out = tar.slice();
  for (const [offset, text] of Object.entries(patch)) {
    const field = Number(offset);
    out.fill(0, at + field, at + field + (field === 0 ? 100 : 1));
    out.set(enc.encode(text), at + field);
  }
  out.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[at + i]!;
  out.set(enc.encode(`${sum.toString(8).padStart(6, '0')}\0 `), at + 148);
  return out;
}

describe('tar', () => {
  it.each([
    { name: 'no entries', entries: [] },
    {
      name: 'sorted on write',
      entries: [entry('b/x.json'), entry('a/y.json', ''), entry('a/x.json', 'x'.repeat(1024))],
    },
    {
      name: 'a long path split into prefix and name',
      entries: [entry(`${'n'.repeat(60)}/${'g'.repeat(80)}/Kind/${'x'.repeat(90)}.json`)],
    },
    { name: 'a path needing a PAX header', entries: [entry(`ns/group/Kind/${'x'.repeat(200)}.json`)] },
    { name: 'unicode', entries: [entry('ns/core/ConfigMap/é.json', '{"a":"é"}')] },
  ])('round-trips $name', ({ entries }) => {
    const tar = writeTar({ entries });
    expect(tar.length % 512).toBe(0);
    const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(readTar({ bytes: tar })).toEqual(sorted);
    expect(writeTar({ entries: [...entries].reverse() })).toEqual(tar);
  });

  it('writes fixed metadata: mode 0644, zero ids and times, empty names, ustar magic', () => {
    const tar = writeTar({ entries: [entry('a/b.json', 'x')] });
    const text = (from: number, len: number) => new TextDecoder().decode(tar.subarray(from, from + len));
    expect(text(0, 8)).toBe('a/b.json');
    expect(text(100, 8)).toBe('0000644\0');
    expect(text(108, 16)).toBe('0000000\u00000000000\0');
    expect(text(136, 12)).toBe('00000000000\0');
    expect(text(257, 8)).toBe('ustar\u000000');
    expect(tar.subarray(265, 329).every((b) => b === 0)).toBe(true);
  });

  it.each([
    { name: 'an absolute path', entries: [entry('/etc/passwd')] },
    { name: 'a .. segment', entries: [entry('a/../../x')] },
    { name: 'a duplicate path', entries: [entry('a'), entry('a')] },
  ])('refuses to write $name', ({ entries }) => {
    expect(() => writeTar({ entries })).toThrow(InvalidInputError);
  });

  const base = writeTar({ entries: [entry('a/b.json', 'hello')] });
  it.each([
    { name: 'path traversal', bytes: forge(base, 0, { 0: '../../etc/cron.d/x' }), message: /unsafe entry path/ },
    { name: 'an absolute path', bytes: forge(base, 0, { 0: '/tmp/x' }), message: /unsafe entry path/ },
    { name: 'a symlink', bytes: forge(base, 0, { 156: '2' }), message: /not a regular file/ },
    { name: 'a hard link', bytes: forge(base, 0, { 156: '1' }), message: /not a regular file/ },
    {
      name: 'a bad checksum',
      bytes: (() => {
        const b = base.slice();
        b[0] = 0x7a;
        return b;
      })(),
      message: /checksum/,
    },
    { name: 'a truncated archive', bytes: base.subarray(0, 700), message: /truncated/ },
  ])('refuses to read $name', ({ bytes, message }) => {
    expect(() => readTar({ bytes })).toThrow(message);
  });

  it.each([
    { name: 'entry count', limits: { maxEntries: 1 }, message: /more than 1 entries/ },
    { name: 'entry size', limits: { maxEntryBytes: 3 }, message: /is 4 bytes, more than 3/ },
    { name: 'total size', limits: { maxTotalBytes: 6 }, message: /exceed 6 bytes/ },
  ])('enforces the $name limit', ({ limits, message }) => {
    const bytes = writeTar({ entries: [entry('a', 'abcd'), entry('b', 'abcd')] });
    expect(() => readTar({ bytes, limits })).toThrow(message);
  });
});
