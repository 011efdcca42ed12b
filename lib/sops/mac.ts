/**
 * The SOPS message authentication code: a SHA-512 over the cleartext of the
 * document's values in walk order (map entries in document order, list items
 * in order, `sops` excluded, nulls and comments skipped), each as Go's
 * `sops.ToBytes` renders it: strings as UTF-8, numbers as
 * `strconv.FormatFloat(v, 'f', -1, 64)` (so `1e21` is
 * `1000000000000000000000`), booleans as `True` / `False`. With
 * `mac_only_encrypted` only the encrypted values count, after a fixed 32-byte
 * prefix. The upper-case hex digest is stored encrypted (as a `str` value) in
 * `sops.mac`, with `lastmodified` in RFC 3339 as additional data.
 *
 * @example
 *   const mac = startMac(false);
 *   mac.update(leafBytes('hunter2'));
 *   mac.digest('hex').toUpperCase() // compared with the decrypted `sops.mac`
 */
import { createHash, type Hash } from 'node:crypto';

/** sha256("sops"): sops' `MACOnlyEncryptedInitialization`. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

export function startMac(macOnlyEncrypted: boolean): Hash {
  const hash = createHash('sha512');
  if (macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  return hash;
}

/** Go's `strconv.FormatFloat(n, 'f', -1, 64)`: shortest round-trip digits, never an exponent. */
export function goFloatString(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Object.is(n, -0)) return '-0';
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign = '', lead = '', frac = '', exp = '0'] = m;
  const digits = lead + frac;
  const point = Number(exp) + 1;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

export function goFloatBytes(n: number): Buffer {
  return Buffer.from(goFloatString(n));
}

export function goIntBytes(n: bigint): Buffer {
  return Buffer.from(n.toString());
}

/** Go's time.Time MarshalText (RFC 3339 with nanoseconds, trailing zeros dropped), for a Date a YAML 1.1 parser made. */
function goTimeString(d: Date): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_, f: string) => (f ? `.${f}Z` : 'Z'));
}

/**
 * The MAC bytes of a cleartext leaf, or undefined when the value is not a
 * leaf sops would hash (null). Throws TypeError for values no YAML or JSON
 * parser produces.
 */
export function leafBytes(value: unknown): Buffer | undefined {
  switch (typeof value) {
    case 'string':
      return Buffer.from(value, 'utf8');
    case 'number':
      return goFloatBytes(value);
    case 'bigint':
      return goIntBytes(value);
    case 'boolean':
      return Buffer.from(value ? 'True' : 'False');
    case 'undefined':
      return undefined;
    default:
      if (value === null) return undefined;
      if (value instanceof Date) return Buffer.from(goTimeString(value));
      if (value instanceof Uint8Array) return Buffer.from(value);
      throw new TypeError(`cannot hash a value of type ${typeof value}`);
  }
}

/**
 * `lastmodified` as Go's `time.Parse(RFC3339)` then `Format(RFC3339)` renders
 * it (fraction dropped, a zero offset written `Z`): the MAC's additional data.
 */
export function macAdditionalData(lastModified: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(lastModified);
  if (!m) return lastModified;
  const [, date = '', time = '', zone = ''] = m;
  return `${date}T${time}${zone === '+00:00' || zone === '-00:00' ? 'Z' : zone}`;
}
