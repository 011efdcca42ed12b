import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../signature/generate-key-pair.ts';
import { parsePublicKey } from '../signature/public-key.ts';
import { keySigner } from '../signature/signer.ts';
import { BUNDLE_MEDIA_TYPE } from '../signature/sigstore-bundle.ts';
import { type Digest, sha256Digest } from './digest.ts';
import { LayoutStore } from './layout-store.ts';
import { MediaType } from './media-types.ts';
import { listReferrers, referrersTag } from './referrers.ts';
import { signVersion } from './sign-version.ts';
import { verifyVersionSignature } from './verify-version-signature.ts';

const root = mkdtempSync(join(tmpdir(), 'drover-sign-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const enc = (s: string) => new TextEncoder().encode(s);

function party() {
  const pair = generateKeyPair();
  return {
    signer: keySigner({ privateKeyPem: pair.privateKeyPem, name: 'test key' }),
    trusted: parsePublicKey({ pem: pair.publicKeyPem, name: 'test pub' }),
  };
}
const hub = party();
const other = party();

/** A fresh repository holding one version (an artifact manifest tagged 1.0.0), and its digest. */
async function versionIn(content = 'v1'): Promise<{ store: LayoutStore; digest: Digest }> {
  const store = new LayoutStore({ root, repository: `repo${++n}` });
  const layer = enc(content);
  await store.pushBlob({ data: enc('{}') });
  await store.pushBlob({ data: layer });
  const bytes = enc(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: 'application/vnd.drover.test',
      config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(enc('{}')), size: 2 },
      layers: [{ mediaType: MediaType.octetStream, digest: sha256Digest(layer), size: layer.length }],
    }),
  );
  const d = await store.putManifest({ bytes, mediaType: MediaType.ociManifest, tag: '1.0.0', immutable: true });
  return { store, digest: d.digest };
}

describe('signVersion and verifyVersionSignature on an image layout', () => {
  it('attaches the signature as a referrer under the sha256-<hex> tag, and it verifies with the trusted key', async () => {
    const { store, digest } = await versionIn();
    const signed = await signVersion({ store, digest, signer: hub.signer });
    expect(signed.keyId).toBe(hub.trusted.keyId);
    expect(await store.listTags()).toEqual(['1.0.0', referrersTag(digest)].sort());
    const refs = await listReferrers({ store, digest, artifactType: BUNDLE_MEDIA_TYPE });
    expect(refs.map((r) => r.digest)).toEqual([signed.signature.digest]);
    const m = JSON.parse(
      Buffer.from((await store.getManifest({ reference: signed.signature.digest })).bytes).toString(),
    );
    expect(m).toMatchObject({ artifactType: BUNDLE_MEDIA_TYPE, subject: { digest } });
    const v = await verifyVersionSignature({
      store,
      digest,
      trustedKeys: [other.trusted, hub.trusted],
      cache: new Map(),
    });
    expect(v).toEqual({ ok: true, keyId: hub.trusted.keyId, digest });
  });

  it('keeps every signature listed when a version is signed again (a second key)', async () => {
    const { store, digest } = await versionIn();
    await signVersion({ store, digest, signer: other.signer });
    await signVersion({ store, digest, signer: hub.signer });
    expect(await listReferrers({ store, digest })).toHaveLength(2);
    expect(await verifyVersionSignature({ store, digest, trustedKeys: [hub.trusted], cache: new Map() })).toMatchObject(
      {
        ok: true,
        keyId: hub.trusted.keyId,
      },
    );
  });

  it('refuses unsigned and untrusted versions, and a signature of one version attached to another', async () => {
    const a = await versionIn('a');
    const cache = new Map<string, string>();
    expect(await verifyVersionSignature({ ...a, trustedKeys: [hub.trusted], cache })).toMatchObject({
      ok: false,
      reason: 'unsigned',
    });
    await signVersion({ ...a, signer: other.signer });
    expect(await verifyVersionSignature({ ...a, trustedKeys: [hub.trusted], cache })).toMatchObject({
      ok: false,
      reason: 'untrusted-key',
    });
    // Version b's signature (good, by the trusted key) copied under a's referrers tag.
    const bDigest = (
      await a.store.putManifest({
        bytes: enc(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: MediaType.ociManifest,
            config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(enc('{}')), size: 2 },
            layers: [],
          }),
        ),
        mediaType: MediaType.ociManifest,
      })
    ).digest;
    const bSig = await signVersion({ store: a.store, digest: bDigest, signer: hub.signer });
    const aIndex = JSON.parse(
      Buffer.from((await a.store.getManifest({ reference: referrersTag(a.digest) })).bytes).toString(),
    );
    aIndex.manifests.push(bSig.signature);
    await a.store.putManifest({
      bytes: enc(JSON.stringify(aIndex)),
      mediaType: MediaType.ociIndex,
      tag: referrersTag(a.digest),
    });
    expect(await verifyVersionSignature({ ...a, trustedKeys: [hub.trusted], cache })).toMatchObject({
      ok: false,
      reason: 'other-digest',
    });
    expect(cache.size).toBe(0);
  });

  it('verifies a digest once: the second look reads nothing from the store', async () => {
    const { store, digest } = await versionIn();
    await signVersion({ store, digest, signer: hub.signer });
    const cache = new Map<string, string>();
    await verifyVersionSignature({ store, digest, trustedKeys: [hub.trusted], cache });
    const before = store.stats.requests;
    expect(await verifyVersionSignature({ store, digest, trustedKeys: [hub.trusted], cache })).toMatchObject({
      ok: true,
    });
    expect(store.stats.requests).toBe(before);
    // Another set of trusted keys is another question.
    await verifyVersionSignature({ store, digest, trustedKeys: [other.trusted], cache });
    expect(store.stats.requests).toBeGreaterThan(before);
  });
});
