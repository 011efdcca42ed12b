/**
 * One SOPS value: `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<t>]`,
 * AES-256-GCM with the document's 32-byte data key, a 32-byte IV, a 16-byte
 * tag, and as additional authenticated data the value's path (sops
 * `aes.Cipher`). Decrypting restores the value's type the way sops does
 * (`str`, `int`, `float`, `bool`, `bytes`, `time`, `comment`) and also returns
 * the bytes sops hashes into the MAC for it (`ToBytes` of the typed value).
 *
 * Errors carry only a reason (`malformed`, `authentication`, `type`), never the
 * ciphertext's plaintext: the caller names the object and path.
 *
 * @example
 *   const { value, macBytes } = decryptValue({ text: 'ENC[AES256_GCM,...,type:int]', key, aad: 'spec:replicas:' });
 *   value // => 3
 */
import { createDecipheriv } from 'node:crypto';
import { goFloatBytes, goIntBytes } from './mac.ts';

export type SopsValueType = 'str' | 'int' | 'float' | 'bool' | 'bytes' | 'time' | 'comment';

export interface EncryptedValue {
  data: Buffer;
  iv: Buffer;
  tag: Buffer;
  type: string;
}

export type ValueFailure = 'malformed' | 'authentication' | 'type';

/** Thrown by this module only; the caller turns it into an InvalidInputError that names the object. */
export class ValueCipherError extends Error {
  readonly reason: ValueFailure;
  constructor(reason: ValueFailure, message: string) {
    super(message);
    this.name = 'ValueCipherError';
    this.reason = reason;
  }
}

// As sops' own parser: greedy groups, anchored only at the start.
const ENCRYPTED = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function b64(s: string, what: string): Buffer {
  if (!BASE64.test(s) || s.length % 4 !== 0) throw new ValueCipherError('malformed', `${what} is not base64`);
  return Buffer.from(s, 'base64');
}

/** True when a string has the form of a SOPS-encrypted value. */
export function isEncryptedValue(text: unknown): text is string {
  return typeof text === 'string' && ENCRYPTED.test(text);
}

export function parseEncryptedValue(text: string): EncryptedValue {
  const m = ENCRYPTED.exec(text);
  if (!m) throw new ValueCipherError('malformed', 'not of the form ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]');
  const [, data = '', iv = '', tag = '', type = ''] = m;
  return { data: b64(data, 'data'), iv: b64(iv, 'iv'), tag: b64(tag, 'tag'), type };
}

/** AES-256-GCM open; any failure (wrong key, wrong path, altered bytes) is an `authentication` failure. */
export function openValue(value: EncryptedValue, key: Uint8Array, aad: string): Buffer {
  if (value.iv.length === 0 || value.tag.length !== 16)
    throw new ValueCipherError('malformed', 'iv or tag has the wrong length');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, value.iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(value.tag);
    return Buffer.concat([decipher.update(value.data), decipher.final()]);
  } catch {
    throw new ValueCipherError('authentication', 'AES-GCM authentication failed');
  }
}

export interface DecryptedValue {
  /** The value with its type restored, as it goes back into the object. */
  value: unknown;
  /** What sops hashes into the MAC for it; undefined for comments, which the MAC skips. */
  macBytes: Uint8Array | undefined;
}

// strconv.ParseBool
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function typed(plain: Buffer, type: string): DecryptedValue {
  const s = plain.toString('utf8');
  switch (type) {
    case 'str':
    case 'time': // time.Time's MarshalText: sops wrote it, sops hashes it back the same
      return { value: s, macBytes: plain };
    case 'bytes':
      return { value: s, macBytes: plain };
    case 'comment':
      return { value: s, macBytes: undefined };
    case 'int': {
      if (!/^[+-]?\d+$/.test(s)) throw new ValueCipherError('type', 'int value does not parse');
      return { value: Number(s), macBytes: goIntBytes(BigInt(s)) };
    }
    case 'float': {
      const n = parseGoFloat(s);
      if (n === undefined) throw new ValueCipherError('type', 'float value does not parse');
      return { value: n, macBytes: goFloatBytes(n) };
    }
    case 'bool': {
      const b = TRUE.has(s) ? true : FALSE.has(s) ? false : undefined;
      if (b === undefined) throw new ValueCipherError('type', 'bool value does not parse');
      return { value: b, macBytes: Buffer.from(b ? 'True' : 'False') };
    }
    default:
      throw new ValueCipherError('type', `unknown SOPS value type "${type}"`);
  }
}

/** strconv.ParseFloat for the forms sops writes (FormatFloat 'f', -1) plus the usual decimal and special forms. */
function parseGoFloat(s: string): number | undefined {
  const lower = s.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity')
    return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/** Decrypts one `ENC[...]` string whose additional data is `aad`, restoring its type. */
export function decryptValue({ text, key, aad }: { text: string; key: Uint8Array; aad: string }): DecryptedValue {
  const value = parseEncryptedValue(text);
  return typed(openValue(value, key, aad), value.type);
}
