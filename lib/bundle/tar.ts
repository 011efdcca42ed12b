/**
 * A minimal, deterministic USTAR writer and a bounded reader for bundle
 * layers. Only regular files: sorted paths, mode 0644, uid/gid 0, mtime 0,
 * empty user and group names, no directory entries. A path too long for the
 * USTAR name/prefix fields gets a PAX header holding only `path` (never a
 * time). The reader refuses links, devices, absolute paths, `..`, duplicate
 * paths, and anything past its limits.
 *
 * Drover writes this itself because no well-kept Node tar library (node-tar,
 * tar-stream) promises the same bytes for the same files across its
 * releases, and a layer's digest must never change; the USTAR subset a
 * bundle needs is small enough to pin byte by byte.
 *
 * @example
 *   readTar({ bytes: writeTar({ entries: [{ path: 'a/b.json', content }] }) }) // => [{ path: 'a/b.json', content }]
 */
import { InvalidInputError } from '../errors/errors.ts';

export interface TarEntry {
  path: string;
  content: Uint8Array;
}

export interface TarLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = {
  maxEntries: 10_000,
  maxEntryBytes: 8 * 1024 * 1024,
  maxTotalBytes: 128 * 1024 * 1024,
};

const BLOCK = 512;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Why a path is unsafe to extract, or undefined when it is fine. */
export function unsafePathReason(path: string): string | undefined {
  if (path === '') return 'empty path';
  if (path.includes('\0')) return 'NUL in path';
  if (path.includes('\\')) return 'backslash in path';
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) return 'absolute path';
  if (path.split('/').some((s) => s === '..' || s === '.' || s === ''))
    return 'path with an empty, "." or ".." segment';
  return undefined;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header({
  name,
  prefix = '',
  size,
  type,
}: {
  name: Uint8Array;
  prefix?: string;
  size: number;
  type: string;
}): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (offset: number, bytes: Uint8Array | string) =>
    h.set(typeof bytes === 'string' ? enc.encode(bytes) : bytes, offset);
  put(0, name);
  put(100, octal(0o644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(0, 12));
  put(148, '        ');
  put(156, type);
  put(257, 'ustar\0');
  put(263, '00');
  put(329, octal(0, 8));
  put(337, octal(0, 8));
  put(345, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Splits a path into USTAR prefix (<=155 bytes) and name (<=100 bytes) at a '/', if possible. */
function splitUstar(path: string): { prefix: string; name: string } | undefined {
  const bytes = enc.encode(path);
  if (bytes.length <= 100) return { prefix: '', name: path };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (enc.encode(prefix).length <= 155 && enc.encode(name).length <= 100 && name !== '') return { prefix, name };
  }
  return undefined;
}

function paxRecord(key: string, value: string): Uint8Array {
  const body = ` ${key}=${value}\n`;
  const bodyLength = enc.encode(body).length;
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length += 1;
  return enc.encode(`${length}${body}`);
}

function padded(content: Uint8Array): Uint8Array[] {
  const rest = content.length % BLOCK;
  return rest === 0 ? [content] : [content, new Uint8Array(BLOCK - rest)];
}

/** A tar of `entries`, sorted by path. Same entries in any order -> the same bytes. */
export function writeTar({ entries }: { entries: readonly TarEntry[] }): Uint8Array {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const parts: Uint8Array[] = [];
  for (const [i, entry] of sorted.entries()) {
    const unsafe = unsafePathReason(entry.path);
    if (unsafe)
      throw new InvalidInputError(`cannot pack "${entry.path}": ${unsafe}`, {
        data: { path: entry.path, reason: unsafe },
      });
    if (i > 0 && sorted[i - 1]!.path === entry.path)
      throw new InvalidInputError(`cannot pack "${entry.path}" twice`, {
        data: { path: entry.path, reason: 'duplicate' },
      });
    const split = splitUstar(entry.path);
    if (split) {
      parts.push(header({ name: enc.encode(split.name), prefix: split.prefix, size: entry.content.length, type: '0' }));
    } else {
      const pax = paxRecord('path', entry.path);
      parts.push(header({ name: enc.encode('PaxHeader'), size: pax.length, type: 'x' }), ...padded(pax));
      parts.push(header({ name: enc.encode(entry.path).subarray(0, 100), size: entry.content.length, type: '0' }));
    }
    parts.push(...padded(entry.content));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function field(h: Uint8Array, offset: number, length: number): string {
  const slice = h.subarray(offset, offset + length);
  const nul = slice.indexOf(0);
  return dec.decode(nul === -1 ? slice : slice.subarray(0, nul));
}

function parseOctal(h: Uint8Array, offset: number, length: number, what: string): number {
  const text = field(h, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) throw bad(`invalid ${what} field`);
  return text === '' ? 0 : parseInt(text, 8);
}

function bad(reason: string, data: Record<string, unknown> = {}): InvalidInputError {
  return new InvalidInputError(`bundle layer: ${reason}`, { data: { reason, ...data } });
}

function parsePax(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < bytes.length) {
    const space = bytes.indexOf(0x20, at);
    if (space === -1) throw bad('malformed PAX header');
    const length = parseInt(dec.decode(bytes.subarray(at, space)), 10);
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > bytes.length)
      throw bad('malformed PAX header');
    const record = dec.decode(bytes.subarray(space + 1, at + length - 1));
    const eq = record.indexOf('=');
    if (eq === -1) throw bad('malformed PAX header');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}

/** The regular files in a tar, in archive order. Refuses anything unsafe or over the limits. */
export function readTar({ bytes, limits = {} }: { bytes: Uint8Array; limits?: Partial<TarLimits> }): TarEntry[] {
  const lim = { ...DEFAULT_TAR_LIMITS, ...limits };
  const out: TarEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  let at = 0;
  let paxPath: string | undefined;
  while (true) {
    if (at + BLOCK > bytes.length) throw bad('truncated archive');
    const h = bytes.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) {
      const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
      unsigned += b;
      signed += b > 127 ? b - 256 : b;
    }
    const stored = parseOctal(h, 148, 8, 'checksum');
    if (stored !== unsigned && stored !== signed) throw bad('header checksum mismatch');
    const size = parseOctal(h, 124, 12, 'size');
    const type = String.fromCharCode(h[156]!);
    const start = at + BLOCK;
    const end = start + size;
    if (end > bytes.length) throw bad('truncated archive');
    at = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      if (size > 64 * 1024) throw bad('PAX header too large');
      paxPath = parsePax(bytes.subarray(start, end)).path;
      continue;
    }
    if (type === 'g') continue;
    let path =
      paxPath ??
      (field(h, 257, 6) === 'ustar' && field(h, 345, 155)
        ? `${field(h, 345, 155)}/${field(h, 0, 100)}`
        : field(h, 0, 100));
    paxPath = undefined;
    if (path.startsWith('./')) path = path.slice(2);
    if (type === '5') continue;
    if (type !== '0' && type !== '\0')
      throw bad(`entry "${path}" is not a regular file (type ${JSON.stringify(type)})`, { path });
    const unsafe = unsafePathReason(path);
    if (unsafe) throw bad(`unsafe entry path "${path}": ${unsafe}`, { path });
    if (seen.has(path)) throw bad(`duplicate entry "${path}"`, { path });
    seen.add(path);
    if (out.length + 1 > lim.maxEntries) throw bad(`more than ${lim.maxEntries} entries`);
    if (size > lim.maxEntryBytes)
      throw bad(`entry "${path}" is ${size} bytes, more than ${lim.maxEntryBytes}`, { path });
    total += size;
    if (total > lim.maxTotalBytes) throw bad(`entries exceed ${lim.maxTotalBytes} bytes in total`);
    out.push({ path, content: bytes.slice(start, end) });
  }
  return out;
}
