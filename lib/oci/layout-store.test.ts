import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConflictError, IntegrityError, NotFoundError } from '../errors/errors.ts';
import { digestHex, sha256Digest } from './digest.ts';
import { REF_NAME } from './layout-index.ts';
import { LayoutStore } from './layout-store.ts';
import { MediaType } from './media-types.ts';

const root = mkdtempSync(join(tmpdir(), 'drover-layout-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (repository = `repo${++n}`) => new LayoutStore({ root, repository });
const enc = (s: string) => new TextEncoder().encode(s);

/** An artifact manifest over one layer, as bytes. */
function manifest(layer: Uint8Array, extra: Record<string, unknown> = {}): Uint8Array {
  const empty = enc('{}');
  return enc(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: 'application/vnd.drover.test',
      config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(empty), size: 2 },
      layers: [{ mediaType: 'application/octet-stream', digest: sha256Digest(layer), size: layer.length }],
      ...extra,
    }),
  );
}

async function pushArtifact(store: LayoutStore, content: string, tag?: string, immutable = false) {
  const layer = enc(content);
  await store.pushBlob({ data: enc('{}') });
  await store.pushBlob({ data: layer });
  const bytes = manifest(layer);
  return {
    layer,
    bytes,
    descriptor: await store.putManifest({ bytes, mediaType: MediaType.ociManifest, tag, immutable }),
  };
}

describe('LayoutStore', () => {
  it('round-trips blobs and manifests in a standard layout', async () => {
    const store = fresh('team/web');
    const { layer, bytes, descriptor } = await pushArtifact(store, 'hello', '1.0.0');
    expect(store.dir).toBe(join(root, 'team', 'web'));
    expect(JSON.parse(readFileSync(join(store.dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(readFileSync(join(store.dir, 'index.json'), 'utf8'));
    expect(index).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [{ ...descriptor, artifactType: 'application/vnd.drover.test', annotations: { [REF_NAME]: '1.0.0' } }],
    });
    expect(readdirSync(join(store.dir, 'blobs', 'sha256')).sort()).toEqual(
      [sha256Digest(enc('{}')), sha256Digest(layer), descriptor.digest].map(digestHex).sort(),
    );
    expect(readdirSync(store.dir).sort()).toEqual(['blobs', 'index.json', 'oci-layout']); // no temp or lock files left

    expect(await store.resolve({ tag: '1.0.0' })).toEqual({
      mediaType: MediaType.ociManifest,
      digest: sha256Digest(bytes),
      size: bytes.length,
      artifactType: 'application/vnd.drover.test',
    });
    const byTag = await store.getManifest({ reference: '1.0.0' });
    const byDigest = await store.getManifest({ reference: descriptor.digest });
    expect(Buffer.from(byTag.bytes)).toEqual(Buffer.from(bytes));
    expect(byDigest).toEqual(byTag);
    expect(Buffer.from(await store.fetchBlob({ digest: sha256Digest(layer), size: layer.length }))).toEqual(
      Buffer.from(layer),
    );
    expect(await store.hasBlob({ digest: sha256Digest(layer) })).toBe(true);
    expect(await store.listTags()).toEqual(['1.0.0']);
  });

  it('skips blobs it already has and counts uploads', async () => {
    const store = fresh();
    await pushArtifact(store, 'same', 'a');
    expect(store.stats.blobUploads).toBe(2); // config and layer; the manifest is not a blob upload
    const before = { ...store.stats };
    await pushArtifact(store, 'same', 'a');
    expect(store.stats.blobUploads).toBe(before.blobUploads);
    expect(store.stats.blobsSkipped).toBe(before.blobsSkipped + 2);
  });

  it('answers NotFound for unknown tags, digests and repositories', async () => {
    const store = fresh();
    expect(await store.listTags()).toEqual([]);
    await expect(store.resolve({ tag: 'nope' })).rejects.toThrow(NotFoundError);
    await expect(store.getManifest({ reference: 'nope' })).rejects.toThrow(NotFoundError);
    await expect(store.fetchBlob({ digest: sha256Digest(enc('x')) })).rejects.toThrow(NotFoundError);
    expect(await store.hasBlob({ digest: sha256Digest(enc('x')) })).toBe(false);
    expect(existsSync(store.dir)).toBe(false); // reads create nothing
  });

  it('moves mutable tags and refuses to move immutable ones', async () => {
    const store = fresh();
    const v1 = await pushArtifact(store, 'one', '1.0.0', true);
    const v2 = await pushArtifact(store, 'two', '1.0.1', true);
    // same digest again: a no-op success
    await expect(pushArtifact(store, 'one', '1.0.0', true)).resolves.toMatchObject({ descriptor: v1.descriptor });
    const err = await pushArtifact(store, 'two', '1.0.0', true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).data).toMatchObject({
      tag: '1.0.0',
      digest: v1.descriptor.digest,
      wantedDigest: v2.descriptor.digest,
    });
    await expect(store.tag({ digest: v2.descriptor.digest, tag: '1.0.0', immutable: true })).rejects.toThrow(
      ConflictError,
    );
    expect((await store.resolve({ tag: '1.0.0' })).digest).toBe(v1.descriptor.digest);

    // channel tags move
    await store.tag({ digest: v1.descriptor.digest, tag: 'prod' });
    await store.tag({ digest: v2.descriptor.digest, tag: 'prod' });
    expect((await store.resolve({ tag: 'prod' })).digest).toBe(v2.descriptor.digest);
    const index = JSON.parse(readFileSync(join(store.dir, 'index.json'), 'utf8')) as {
      manifests: { annotations?: Record<string, string> }[];
    };
    expect(index.manifests.map((m) => m.annotations?.[REF_NAME]).sort()).toEqual(['1.0.0', '1.0.1', 'prod']);
  });

  it('keeps a manifest pushed by digest reachable as an untagged entry, replaced once tagged', async () => {
    const store = fresh();
    const { descriptor } = await pushArtifact(store, 'untagged');
    let index = JSON.parse(readFileSync(join(store.dir, 'index.json'), 'utf8')) as { manifests: object[] };
    expect(index.manifests).toEqual([{ ...descriptor, artifactType: 'application/vnd.drover.test' }]);
    expect(await store.listTags()).toEqual([]);
    await store.tag({ digest: descriptor.digest, tag: 'dev' });
    index = JSON.parse(readFileSync(join(store.dir, 'index.json'), 'utf8')) as { manifests: object[] };
    expect(index.manifests).toHaveLength(1);
  });

  it('loses no tag when many writers tag at once, across store instances', async () => {
    const repository = `repo${++n}`;
    const a = new LayoutStore({ root, repository });
    const { descriptor } = await pushArtifact(a, 'shared');
    const tags = Array.from({ length: 40 }, (_, i) => `t${i}`);
    await Promise.all(
      tags.map((tag, i) =>
        new LayoutStore({ root, repository }).tag({ digest: descriptor.digest, tag, immutable: i % 2 === 0 }),
      ),
    );
    expect(await a.listTags()).toEqual([...tags].sort());
    expect(readdirSync(a.dir).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });

  it('lets exactly one of two racing writers claim a new immutable tag', async () => {
    const store = fresh();
    const one = await pushArtifact(store, 'r1');
    const two = await pushArtifact(store, 'r2');
    const results = await Promise.allSettled([
      store.tag({ digest: one.descriptor.digest, tag: '2.0.0', immutable: true }),
      store.tag({ digest: two.descriptor.digest, tag: '2.0.0', immutable: true }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([
      expect.any(ConflictError),
    ]);
  });

  it('detects corruption on disk: blob content, size cap, manifest media type', async () => {
    const store = fresh();
    const { layer, descriptor } = await pushArtifact(store, 'pristine', 'v');
    const digest = sha256Digest(layer);
    writeFileSync(join(store.dir, 'blobs', 'sha256', digestHex(digest)), 'tampered');
    const err = await store.fetchBlob({ digest }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect(String(err)).toContain(digest);
    expect(String(err)).toContain(store.location);
    await expect(store.fetchBlob({ digest: descriptor.digest, maxBytes: 10 })).rejects.toThrow(
      /exceeds the limit of 10 bytes/,
    );
    await expect(store.getManifest({ reference: 'v', accept: [MediaType.ociIndex] })).rejects.toThrow(IntegrityError);
  });

  it('refuses a blob whose content does not match the digest the caller named', async () => {
    const store = fresh();
    await expect(store.pushBlob({ data: enc('a'), digest: sha256Digest(enc('b')) })).rejects.toThrow(IntegrityError);
    await expect(store.putManifest({ bytes: enc('not json'), mediaType: MediaType.ociManifest })).rejects.toThrow(
      /not a JSON/,
    );
    await expect(store.putManifest({ bytes: manifest(enc('x')), mediaType: 'text/plain' })).rejects.toThrow(
      /media type/,
    );
  });
});
