import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../errors/errors.ts';
import { generateKeyPair } from '../signature/generate-key-pair.ts';
import { resolveConfig } from './config.ts';
import { readSigner, readTrustedKeys } from './signing-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hub = generateKeyPair();
const old = generateKeyPair();
writeFileSync(join(dir, 'hub.key'), hub.privateKeyPem, { mode: 0o600 });
writeFileSync(join(dir, 'hub.pub'), hub.publicKeyPem);
writeFileSync(join(dir, 'old.pub'), old.publicKeyPem);
const base = {
  apiVersion: 'drover.dev/v1alpha1',
  kind: 'Config',
  sources: [{ name: 'apps', url: 'http://git.example/apps.git' }],
};
const file = join(dir, 'drover.yaml');

describe('signing keys from drover.yaml', () => {
  it('reads the signer from keyFile (relative to drover.yaml) and trusts its key, publicKeys and --key once each', async () => {
    const config = resolveConfig({ doc: { ...base, signing: { keyFile: 'hub.key', publicKeys: ['old.pub'] } }, file });
    expect(config.signing).toEqual({ keyFile: join(dir, 'hub.key'), publicKeys: [join(dir, 'old.pub')] });
    const signer = await readSigner({ config, env: {} });
    expect(signer?.keyId).toBe(hub.keyId);
    const trusted = await readTrustedKeys({ config, env: {}, extraFiles: [join(dir, 'hub.pub')] });
    expect(trusted.map((k) => k.keyId)).toEqual([hub.keyId, old.keyId]);
  });

  it('reads the signer from keyEnv, and says which variable is missing without showing any key', async () => {
    const config = resolveConfig({ doc: { ...base, signing: { keyEnv: 'HUB_KEY' } }, file });
    expect((await readSigner({ config, env: { HUB_KEY: hub.privateKeyPem } }))?.keyId).toBe(hub.keyId);
    await expect(readSigner({ config, env: {} })).rejects.toThrow(NotFoundError);
    await expect(readSigner({ config, env: {} })).rejects.toThrow(/HUB_KEY is not set/);
  });

  it('is undefined without signing, and refuses keyFile and keyEnv together', async () => {
    expect(await readSigner({ config: resolveConfig({ doc: base, file }), env: {} })).toBeUndefined();
    expect(() => resolveConfig({ doc: { ...base, signing: { keyFile: 'a', keyEnv: 'B' } }, file })).toThrow(
      InvalidInputError,
    );
  });

  it('names the setting and file of a key it cannot use', async () => {
    const config = resolveConfig({ doc: { ...base, signing: { keyFile: 'hub.pub' } }, file });
    await expect(readSigner({ config, env: {} })).rejects.toThrow(
      /signing\.keyFile .*hub\.pub: not an unencrypted PEM/,
    );
    const missing = resolveConfig({ doc: { ...base, signing: { publicKeys: ['nope.pub'] } }, file });
    await expect(readTrustedKeys({ config: missing, env: {} })).rejects.toThrow(
      /signing\.publicKeys: cannot read .*nope\.pub/,
    );
  });
});
