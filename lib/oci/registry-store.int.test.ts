// RegistryStore against a real CNCF distribution registry (the shared test
// environment's, anonymous): push and pull with verification, HEAD skips,
// chunked upload, immutable tags, tag listing, and integrity failures made by
// corrupting the registry's own storage on disk.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { ConflictError, IntegrityError, NotFoundError } from '../errors/errors.ts';
import { type Digest, digestHex, sha256Digest } from './digest.ts';
import { MediaType } from './media-types.ts';
import { connectStores } from './reference.ts';
import type { OciStore } from './store.ts';

const env = testEnv();
const enc = (s: string) => new TextEncoder().encode(s);
const EMPTY = enc('{}');

async function store(
  name = uniqueName('oci'),
  options: { chunkThresholdBytes?: number; chunkSizeBytes?: number } = {},
): Promise<OciStore> {
  return (await connectStores({ reference: `oci://${env.registry.host}/drover-test`, ...options })).open(name);
}

function manifestOf(layer: Uint8Array, title = 'layer.bin'): Uint8Array {
  return enc(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: 'application/vnd.drover.test',
      config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(EMPTY), size: EMPTY.length },
      layers: [
        {
          mediaType: 'application/octet-stream',
          digest: sha256Digest(layer),
          size: layer.length,
          annotations: { 'org.opencontainers.image.title': title },
        },
      ],
    }),
  );
}

async function pushArtifact(s: OciStore, layer: Uint8Array, tag?: string, immutable = false) {
  await s.pushBlob({ data: EMPTY });
  await s.pushBlob({ data: layer });
  const bytes = manifestOf(layer);
  return { bytes, descriptor: await s.putManifest({ bytes, mediaType: MediaType.ociManifest, tag, immutable }) };
}

function blobDataPath(digest: Digest): string {
  const hex = digestHex(digest);
  return join(env.registry.storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

describe('RegistryStore on a real registry', () => {
  it('pushes blobs and a manifest and pulls them back verified', async () => {
    const s = await store();
    expect(s.repository).toMatch(/^drover-test\/oci-/);
    const layer = enc(`layer of ${s.repository}`);
    const { bytes, descriptor } = await pushArtifact(s, layer, '1.0.0');
    expect(descriptor).toEqual({ mediaType: MediaType.ociManifest, digest: sha256Digest(bytes), size: bytes.length });

    expect(await s.resolve({ tag: '1.0.0' })).toEqual(descriptor);
    const byTag = await s.getManifest({ reference: '1.0.0' });
    expect(Buffer.from(byTag.bytes)).toEqual(Buffer.from(bytes));
    expect(byTag).toMatchObject({ digest: descriptor.digest, mediaType: MediaType.ociManifest, size: bytes.length });
    expect((await s.getManifest({ reference: descriptor.digest })).digest).toBe(descriptor.digest);
    expect(Buffer.from(await s.fetchBlob({ digest: sha256Digest(layer), size: layer.length }))).toEqual(
      Buffer.from(layer),
    );
    expect(await s.hasBlob({ digest: sha256Digest(layer) })).toBe(true);
    expect(await s.hasBlob({ digest: sha256Digest(enc('absent')) })).toBe(false);
  });

  it('skips blobs the registry has: no upload, one HEAD each', async () => {
    const s = await store();
    const layer = enc(`skip ${s.repository}`);
    await pushArtifact(s, layer, 'dev');
    expect(s.stats.blobUploads).toBe(2);
    const before = { ...s.stats };
    expect((await s.pushBlob({ data: layer })).uploaded).toBe(false);
    expect((await s.pushBlob({ data: EMPTY })).uploaded).toBe(false);
    expect(s.stats.blobUploads - before.blobUploads).toBe(0);
    expect(s.stats.blobsSkipped - before.blobsSkipped).toBe(2);
    expect(s.stats.requests - before.requests).toBe(2);
  });

  it('re-pushes an unchanged artifact with no upload: a HEAD per blob and one for the immutable tag', async () => {
    const s = await store();
    const layer = enc(`recut ${s.repository}`);
    await pushArtifact(s, layer, '1.0.0', true);
    expect(s.stats).toMatchObject({ requests: 8, blobUploads: 2 }); // 2 x (HEAD, POST, PUT) + HEAD tag + PUT manifest
    const before = { ...s.stats };
    await pushArtifact(s, layer, '1.0.0', true);
    expect(s.stats.blobUploads - before.blobUploads).toBe(0);
    expect(s.stats.requests - before.requests).toBe(3);
    const r0 = s.stats.requests;
    await s.resolve({ tag: '1.0.0' }); // what an unchanged re-cut needs to learn it has nothing to do
    expect(s.stats.requests - r0).toBe(1);
  });

  it('uploads a blob over the threshold in chunks (PATCH with Content-Range) and reads it back', async () => {
    const chunkSizeBytes = 4 * 1024 * 1024;
    const s = await store(uniqueName('big'), { chunkThresholdBytes: 8 * 1024 * 1024, chunkSizeBytes });
    const big = randomBytes(12 * 1024 * 1024 + 123);
    const t0 = performance.now();
    const r = await s.pushBlob({ data: big });
    const ms = performance.now() - t0;
    expect(r).toEqual({ digest: sha256Digest(big), size: big.length, uploaded: true });
    // HEAD + POST + 4 PATCH + PUT
    expect(s.stats.requests).toBe(1 + 1 + Math.ceil(big.length / chunkSizeBytes) + 1);
    const back = await s.fetchBlob({ digest: r.digest, size: big.length, maxBytes: 64 * 1024 * 1024 });
    expect(Buffer.from(back).equals(big)).toBe(true);
    expect(ms).toBeLessThan(30_000);
  });

  it('refuses to move an immutable tag, accepts the same digest again, and moves channel tags', async () => {
    const s = await store();
    const v1 = await pushArtifact(s, enc('one'), '1.0.0', true);
    const v2 = await pushArtifact(s, enc('two'), '1.0.1', true);
    const again = await pushArtifact(s, enc('one'), '1.0.0', true);
    expect(again.descriptor.digest).toBe(v1.descriptor.digest);
    const err = await pushArtifact(s, enc('two'), '1.0.0', true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    await expect(s.tag({ digest: v2.descriptor.digest, tag: '1.0.0', immutable: true })).rejects.toThrow(ConflictError);
    expect((await s.resolve({ tag: '1.0.0' })).digest).toBe(v1.descriptor.digest);

    await s.tag({ digest: v1.descriptor.digest, tag: 'prod' });
    expect((await s.resolve({ tag: 'prod' })).digest).toBe(v1.descriptor.digest);
    await s.tag({ digest: v2.descriptor.digest, tag: 'prod' });
    expect((await s.resolve({ tag: 'prod' })).digest).toBe(v2.descriptor.digest);
    expect(await s.listTags()).toEqual(['1.0.0', '1.0.1', 'prod']);
  });

  it('lists many tags and returns none for a repository that does not exist', async () => {
    const s = await store();
    const { descriptor } = await pushArtifact(s, enc('paged'));
    const tags = Array.from({ length: 1005 }, (_, i) => `t${String(i).padStart(4, '0')}`);
    // tag by pushing the manifest bytes directly: one PUT each
    const m = await s.getManifest({ reference: descriptor.digest });
    for (let i = 0; i < tags.length; i += 50) {
      await Promise.all(
        tags.slice(i, i + 50).map((tag) => s.putManifest({ bytes: m.bytes, mediaType: m.mediaType, tag })),
      );
    }
    // distribution 2.8 answers in one page whatever n says; Link paging is covered by registry-list-tags.test.ts
    expect(await s.listTags()).toEqual(tags);
    expect(await (await store()).listTags()).toEqual([]);
  });

  it('answers NotFound for unknown tags and manifests', async () => {
    const s = await store();
    await pushArtifact(s, enc('nf'), 'x');
    await expect(s.resolve({ tag: 'missing' })).rejects.toThrow(NotFoundError);
    await expect(s.getManifest({ reference: 'missing' })).rejects.toThrow(NotFoundError);
    await expect(s.fetchBlob({ digest: sha256Digest(enc('missing')) })).rejects.toThrow(NotFoundError);
  });

  it('detects a blob the registry serves corrupted, naming repository and digest', async () => {
    const s = await store();
    const layer = enc(`pristine content for ${s.repository}`);
    await pushArtifact(s, layer, 'v');
    const digest = sha256Digest(layer);
    const corrupted = Buffer.from(layer);
    corrupted[0] = corrupted[0]! ^ 0xff;
    writeFileSync(blobDataPath(digest), corrupted); // same size, different bytes
    const err = await s.fetchBlob({ digest, size: layer.length }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).message).toContain(s.repository);
    expect((err as IntegrityError).message).toContain(digest);
    expect((err as IntegrityError).data).toMatchObject({ digest, actualDigest: sha256Digest(corrupted) });
  });

  it('detects a corrupted manifest, by digest and by tag', async () => {
    const s = await store();
    const { bytes, descriptor } = await pushArtifact(s, enc('m'), 'v');
    // still valid JSON of the same size, so the registry serves it as it is
    const corrupted = Buffer.from(Buffer.from(bytes).toString('utf8').replace('drover.test', 'drover.tesT'));
    expect(corrupted.length).toBe(bytes.length);
    writeFileSync(blobDataPath(descriptor.digest), corrupted);
    await expect(s.getManifest({ reference: descriptor.digest })).rejects.toThrow(IntegrityError);
    await expect(s.getManifest({ reference: 'v' })).rejects.toThrow(IntegrityError);
  });

  it('refuses blobs and manifests over the size cap before reading them', async () => {
    const s = await store();
    const layer = randomBytes(64 * 1024);
    const { descriptor } = await pushArtifact(s, layer, 'v');
    await expect(s.fetchBlob({ digest: sha256Digest(layer), maxBytes: 1024 })).rejects.toThrow(
      /exceeds the limit of 1024 bytes/,
    );
    await expect(s.fetchBlob({ digest: sha256Digest(layer), size: 10 })).rejects.toThrow(IntegrityError);
    await expect(s.getManifest({ reference: descriptor.digest, maxBytes: 16 })).rejects.toThrow(IntegrityError);
    await expect(s.getManifest({ reference: 'v', maxBytes: 16 })).rejects.toThrow(IntegrityError);
  });
});
