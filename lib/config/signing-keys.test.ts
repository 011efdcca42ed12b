import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../errors/errors.ts';
import { generateKeyPair } from '../signature/generate-key-pair.ts';
import { resolveConfig } from './config.ts';
import { createLogger } from '../loop/log.ts';
import { readSigner, readTrustedKeys, signingKeySecrets } from './signing-keys.ts';

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

  it("trusts an environment's trustedKeys (relative to drover.yaml) instead of signing's, any of them, each once", async () => {
    const config = resolveConfig({
      doc: {
        ...base,
        clusters: [{ name: 'c1' }, { name: 'c2' }],
        signing: { keyFile: 'hub.key' },
        environments: [
          { name: 'dev', clusters: ['c1'] },
          { name: 'prod', clusters: ['c2'], requireSignatures: true, trustedKeys: ['old.pub', 'hub.pub'] },
        ],
      },
      file,
    });
    const [dev, prod] = config.environments;
    expect(prod!.trustedKeys).toEqual([join(dir, 'old.pub'), join(dir, 'hub.pub')]);
    expect(dev!.trustedKeys).toBeUndefined();
    expect((await readTrustedKeys({ config, env: {}, environment: prod })).map((k) => k.keyId)).toEqual([
      old.keyId,
      hub.keyId,
    ]);
    // Without its own list, an environment trusts signing's keys.
    expect((await readTrustedKeys({ config, env: {}, environment: dev })).map((k) => k.keyId)).toEqual([hub.keyId]);
    const onlyOld = { name: 'prod', trustedKeys: [join(dir, 'old.pub')] };
    expect((await readTrustedKeys({ config, env: {}, environment: onlyOld })).map((k) => k.keyId)).toEqual([old.keyId]);
    await expect(
      readTrustedKeys({ config, env: {}, environment: { name: 'prod', trustedKeys: [join(dir, 'nope.pub')] } }),
    ).rejects.toThrow(/environments\.prod\.trustedKeys: cannot read .*nope\.pub/);
  });

  it("gives the daemon's log the key in every form a line could carry it, from a file or a variable", () => {
    const lines: string[] = [];
    for (const [signing, env] of [
      [{ keyFile: 'hub.key' }, {}],
      [{ keyEnv: 'HUB_KEY' }, { HUB_KEY: hub.privateKeyPem }],
    ] as const) {
      const config = resolveConfig({ doc: { ...base, signing }, file });
      const log = createLogger({ write: (l) => lines.push(l), secrets: signingKeySecrets({ config, env }) });
      const body = hub.privateKeyPem.split('\n')[1]!;
      log.error('leaked', { key: hub.privateKeyPem, line: `x ${body} y` });
    }
    expect(lines).toHaveLength(2);
    for (const line of hub.privateKeyPem.split('\n').filter((l) => l && !l.startsWith('-----')))
      expect(lines.join('')).not.toContain(line);
    expect(signingKeySecrets({ config: resolveConfig({ doc: base, file }), env: {} })).toEqual([]);
  });
});
