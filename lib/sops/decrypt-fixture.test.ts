// A Secret encrypted once by the real sops CLI (v3.11.0, age, encrypted_regex
// ^(data|stringData)$) and committed with its throwaway key in testdata/, so
// that files written earlier keep decrypting whatever sops does next.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../errors/errors.ts';
import { packBundle } from '../bundle/pack.ts';
import { unpackBundle } from '../bundle/unpack.ts';
import { loadObjects } from '../object/yaml.ts';
import { decryptSopsObject } from './decrypt.ts';
import { isSopsEncrypted, sopsRecipients } from './detect.ts';
import { parseAgeIdentities } from './keys.ts';

const testdata = join(import.meta.dirname, 'testdata');
const read = (name: string) => readFile(join(testdata, name), 'utf8');

describe('the committed fixture (testdata/secret.enc.yaml)', () => {
  it('loads as Drover loads members, is detected, and decrypts with the test key file', async () => {
    const [loaded] = loadObjects({
      files: [{ path: 'testdata/secret.enc.yaml', text: await read('secret.enc.yaml') }],
    });
    const object = loaded!.object;
    expect(isSopsEncrypted(object)).toBe(true);
    expect(sopsRecipients(object)).toEqual([
      { type: 'age', recipient: 'age1fwz9zhkal9xn2l66cah32yqhtws8lkhvappkhwq3lu8crt2xrc4q89yqqt' },
    ]);

    const identities = parseAgeIdentities({
      text: await read('age-test-key.txt'),
      source: 'testdata/age-test-key.txt',
    });
    expect(identities).toHaveLength(1);
    const secret = await decryptSopsObject({ object, identities });
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-credentials', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'shop' } },
      type: 'Opaque',
      data: { username: 'c2hvcA==' },
      stringData: { password: 'test-fixture-password', port: '5432' },
    });
  });

  it('still decrypts after a round trip through a bundle artifact (the MAC depends on key order)', async () => {
    const [loaded] = loadObjects({
      files: [{ path: 'testdata/secret.enc.yaml', text: await read('secret.enc.yaml') }],
    });
    const packed = packBundle({
      name: 'shop',
      version: '1.0.0',
      objects: [loaded!.object],
      provenance: {
        source: 'https://git.example/shop.git',
        commit: 'a'.repeat(40),
        changedPaths: [],
        author: 'A <a@example.com>',
        commitTime: '2026-01-01T00:00:00Z',
        parent: null,
      },
    });
    const [member] = unpackBundle({ config: packed.config, layer: packed.layer }).members;
    expect(Object.keys(member!.object)).toEqual(Object.keys(loaded!.object));
    const secret = await decryptSopsObject({ object: member!.object, identities: [await read('age-test-key.txt')] });
    expect(secret).toHaveProperty('stringData.password', 'test-fixture-password');
  });

  it('the whole key file text is accepted as one identity entry', async () => {
    const [loaded] = loadObjects({ files: [{ path: 'secret.enc.yaml', text: await read('secret.enc.yaml') }] });
    await expect(
      decryptSopsObject({ object: loaded!.object, identities: [await read('age-test-key.txt')] }),
    ).resolves.toHaveProperty('stringData.port', '5432');
  });

  it('no identity at all is UnauthorizedError', async () => {
    const [loaded] = loadObjects({ files: [{ path: 'secret.enc.yaml', text: await read('secret.enc.yaml') }] });
    await expect(decryptSopsObject({ object: loaded!.object, identities: [] })).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
  });
});
