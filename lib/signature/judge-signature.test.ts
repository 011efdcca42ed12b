import { describe, expect, it } from 'vitest';
import { generateKeyPair } from './generate-key-pair.ts';
import { judgeSignatures } from './judge-signature.ts';
import { parsePublicKey } from './public-key.ts';
import { keySigner } from './signer.ts';
import { COSIGN_SIGN_PREDICATE, IN_TOTO_PAYLOAD_TYPE, pae, versionBundle } from './sigstore-bundle.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;

function party() {
  const pair = generateKeyPair();
  return {
    pair,
    signer: keySigner({ privateKeyPem: pair.privateKeyPem, name: 'test key' }),
    trusted: parsePublicKey({ pem: pair.publicKeyPem, name: 'test pub' }),
  };
}

const hub = party();
const stranger = party();
const rotated = party();

/** A bundle whose envelope is mutated after signing. */
function tamper(bytes: Uint8Array, f: (doc: { dsseEnvelope: { payload: string } }) => void): Uint8Array {
  const doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  f(doc);
  return new Uint8Array(Buffer.from(JSON.stringify(doc)));
}

describe('judgeSignatures', () => {
  it('names the trusted key that signed exactly this digest; the key id is the one the signer reports', async () => {
    const bundle = await versionBundle({ digest: DIGEST, name: 'drover/web', signer: hub.signer });
    expect(hub.signer.keyId).toBe(hub.trusted.keyId);
    expect(hub.pair.keyId).toBe(hub.trusted.keyId);
    expect(judgeSignatures({ bundles: [bundle], digest: DIGEST, trustedKeys: [rotated.trusted, hub.trusted] })).toEqual(
      {
        ok: true,
        keyId: hub.trusted.keyId,
      },
    );
  });

  it.each([
    ['no bundle at all', async () => [] as Uint8Array[], 'unsigned'],
    [
      'signed by a key not trusted here',
      async () => [await versionBundle({ digest: DIGEST, name: 'r', signer: stranger.signer })],
      'untrusted-key',
    ],
    [
      'a good signature of another version, copied across',
      async () => [await versionBundle({ digest: OTHER, name: 'r', signer: hub.signer })],
      'other-digest',
    ],
    [
      'the statement changed after signing (naming the trusted key)',
      async () => [
        tamper(await versionBundle({ digest: OTHER, name: 'r', signer: hub.signer }), (d) => {
          const st = JSON.parse(Buffer.from(d.dsseEnvelope.payload, 'base64').toString());
          st.subject[0].digest.sha256 = DIGEST.slice(7);
          d.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString('base64');
        }),
      ],
      'bad-signature',
    ],
    ['bytes that are no bundle', async () => [new Uint8Array(Buffer.from('{"mediaType":1}'))], 'bad-signature'],
    [
      'a copied signature beats an untrusted one in the reason given',
      async () => [
        await versionBundle({ digest: DIGEST, name: 'r', signer: stranger.signer }),
        await versionBundle({ digest: OTHER, name: 'r', signer: hub.signer }),
      ],
      'other-digest',
    ],
  ])('refuses %s', async (_name, bundles, reason) => {
    const verdict = judgeSignatures({ bundles: await bundles(), digest: DIGEST, trustedKeys: [hub.trusted] });
    expect(verdict).toMatchObject({ ok: false, reason });
  });

  it('refuses a signed statement that is not an image signature (an attestation of another predicate)', async () => {
    const statement = {
      _type: 'x',
      subject: [{ digest: { sha256: DIGEST.slice(7) } }],
      predicateType: 'https://slsa.dev/provenance/v1',
    };
    const payload = new Uint8Array(Buffer.from(JSON.stringify(statement)));
    const sig = await hub.signer.sign(pae({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload }));
    const doc = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: '' } },
      dsseEnvelope: {
        payloadType: IN_TOTO_PAYLOAD_TYPE,
        payload: Buffer.from(payload).toString('base64'),
        signatures: [{ sig: Buffer.from(sig).toString('base64') }],
      },
    };
    expect(COSIGN_SIGN_PREDICATE).not.toBe(statement.predicateType);
    const bundles = [new Uint8Array(Buffer.from(JSON.stringify(doc)))];
    expect(judgeSignatures({ bundles, digest: DIGEST, trustedKeys: [hub.trusted] })).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });
});

describe('keys', () => {
  it('refuses a key of another curve, naming where it came from and never quoting a private key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const pem = p384.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => keySigner({ privateKeyPem: pem, name: 'signing.keyFile k.pem' })).toThrow(
      /k\.pem: a ec key on secp384r1/,
    );
    const garbage = 'not a key at all SECRETSECRET';
    try {
      keySigner({ privateKeyPem: garbage, name: 'signing.keyEnv HUB_KEY' });
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).toMatch(/HUB_KEY: not an unencrypted PEM private key/);
      expect(JSON.stringify(err)).not.toContain('SECRETSECRET');
    }
  });
});
