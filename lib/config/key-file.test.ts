import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../errors/errors.ts';
import { pemSecretForms, readKeyFile } from './key-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-key-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pem = [
  '-----BEGIN PRIVATE KEY-----',
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAAAAAAAAAAAAAAAA',
  'AAAAAAAAAAAAAAAAAAAAAAAAAAChRANCAAQ=',
  '-----END PRIVATE KEY-----',
  '',
].join('\n');

describe('key files', () => {
  it('reads a key file, and names the setting and the path (never content) when it cannot', async () => {
    writeFileSync(join(dir, 'k.pem'), pem);
    expect(await readKeyFile({ path: join(dir, 'k.pem'), setting: 'signing.keyFile' })).toBe(pem);
    const missing = readKeyFile({ path: join(dir, 'nope.pem'), setting: '--trusted-key' });
    await expect(missing).rejects.toThrow(NotFoundError);
    await expect(missing).rejects.toThrow(`--trusted-key: cannot read ${join(dir, 'nope.pem')} (ENOENT)`);
    const folder = readKeyFile({ path: dir, setting: 'clusters.c3.agentKey' });
    await expect(folder).rejects.toThrow(InvalidInputError);
    await expect(folder).rejects.toMatchObject({ data: { setting: 'clusters.c3.agentKey', path: dir } });
  });

  it('lists the PEM whole, trimmed, and each base64 line of its body for redaction, not the armour', () => {
    const forms = pemSecretForms(pem);
    expect(forms).toEqual([pem, pem.trim(), pem.split('\n')[1], pem.split('\n')[2]]);
    expect(forms).not.toContain('-----BEGIN PRIVATE KEY-----');
  });
});
