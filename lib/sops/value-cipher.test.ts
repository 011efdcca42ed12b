// Round trips against an encoder written here the way sops' aes.Cipher.Encrypt
// is (32-byte IV, 16-byte tag, path as additional data); the files the real
// CLI writes are covered in decrypt.test.ts.
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValueCipherError, decryptValue, isEncryptedValue } from './value-cipher.ts';

const key = randomBytes(32);
function enc(plain: string, type: string, aad: string): string {
  const iv = randomBytes(32);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${c.getAuthTag().toString('base64')},type:${type}]`;
}

describe('decryptValue', () => {
  it.each([
    { plain: 'hunter2', type: 'str', value: 'hunter2', mac: 'hunter2' },
    { plain: '42', type: 'int', value: 42, mac: '42' },
    { plain: '-7', type: 'int', value: -7, mac: '-7' },
    { plain: '1.5', type: 'float', value: 1.5, mac: '1.5' },
    { plain: '1000000000000000000000', type: 'float', value: 1e21, mac: '1000000000000000000000' },
    { plain: 'True', type: 'bool', value: true, mac: 'True' },
    { plain: 'false', type: 'bool', value: false, mac: 'False' },
    { plain: '2024-01-01T00:00:00Z', type: 'time', value: '2024-01-01T00:00:00Z', mac: '2024-01-01T00:00:00Z' },
    { plain: 'raw', type: 'bytes', value: 'raw', mac: 'raw' },
    { plain: ' a comment', type: 'comment', value: ' a comment', mac: undefined },
  ])('$type $plain', ({ plain, type, value, mac }) => {
    const out = decryptValue({ text: enc(plain, type, 'a:b:'), key, aad: 'a:b:' });
    expect(out.value).toEqual(value);
    expect(out.macBytes === undefined ? undefined : Buffer.from(out.macBytes).toString()).toBe(mac);
  });

  it.each([
    { name: 'wrong path', text: () => enc('x', 'str', 'a:'), aad: 'b:', reason: 'authentication' },
    {
      name: 'wrong key',
      text: () => enc('x', 'str', 'a:').replace(/data:[^,]+/, 'data:AAAA'),
      aad: 'a:',
      reason: 'authentication',
    },
    { name: 'not ENC', text: () => 'plain', aad: 'a:', reason: 'malformed' },
    {
      name: 'bad base64',
      text: () => enc('x', 'str', 'a:').replace(/iv:[^,]+/, 'iv:@@'),
      aad: 'a:',
      reason: 'malformed',
    },
    { name: 'bad int', text: () => enc('4x', 'int', 'a:'), aad: 'a:', reason: 'type' },
    { name: 'bad bool', text: () => enc('yes', 'bool', 'a:'), aad: 'a:', reason: 'type' },
    { name: 'unknown type', text: () => enc('x', 'blob', 'a:'), aad: 'a:', reason: 'type' },
  ])('$name -> $reason, without the plaintext', ({ text, aad, reason }) => {
    let err: unknown;
    try {
      decryptValue({ text: text(), key, aad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValueCipherError);
    expect((err as ValueCipherError).reason).toBe(reason);
    expect((err as Error).message).not.toMatch(/4x|yes/);
  });

  it('recognises the form', () => {
    expect(isEncryptedValue(enc('x', 'str', 'a:'))).toBe(true);
    expect(isEncryptedValue('ENC[nope]')).toBe(false);
    expect(isEncryptedValue(3)).toBe(false);
  });
});
