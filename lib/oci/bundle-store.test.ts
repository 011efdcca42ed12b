// Versions by digest (issue #24, item 8), against a real on-disk OCI layout
// and a real (in-memory) state: a version recorded at cut is pulled by its
// recorded digest; its tag re-pointed to another artifact is refused naming
// both digests; a tag gone still loads by the recorded digest; a version the
// state never recorded falls back to its tag. The state is handed in as a
// workspace hands it (lib/workspace/workspace.ts: `ws.versions`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packBundle, type PackedBundle } from '../bundle/pack.ts';
import { ConflictError } from '../errors/errors.ts';
import { channelMark, markChannel } from '../state/channel-marks.ts';
import { openState, type StateDb } from '../state/open.ts';
import { getVersion, recordCut } from '../state/versions.ts';
import { openBundleStore } from './bundle-store.ts';
import { MediaType } from './media-types.ts';
import { connectStores, type Stores } from './reference.ts';
import { VersionTagMovedError } from './version-tag-moved.ts';

const bundle = 'web';
const cm = (level: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web-config', namespace: 'shop' },
  data: { LEVEL: level },
});
const pack = (version: string, parent: string | null) =>
  packBundle({
    name: bundle,
    version,
    objects: [cm(version)],
    provenance: {
      source: 'https://git.example/apps.git',
      commit: 'a'.repeat(40),
      changedPaths: [],
      author: 'A <a@x>',
      commitTime: '2026-12-01T00:00:00Z',
      parent,
    },
  });

let dir: string;
let db: StateDb;
let stores: Stores;

/** The bundle's store over this state, wired as a workspace wires it. */
const openVersions = () =>
  openBundleStore({
    store: stores.open(bundle),
    bundle,
    recordedDigest: (version) => getVersion(db, bundle, version)?.digest,
    onMarked: (environment, digest) => markChannel(db, { bundle, environment, digest }),
  });

/** Pushes a packed version's blobs and manifest, tagged or not. */
async function push(p: PackedBundle, tag?: string): Promise<void> {
  const store = stores.open(bundle);
  await store.pushBlob({ data: p.config });
  for (const b of p.blobs) await store.pushBlob({ data: b.data });
  await store.putManifest({ bytes: p.manifest, mediaType: MediaType.ociManifest, ...(tag ? { tag } : {}) });
}

const record = (p: PackedBundle) =>
  recordCut(db, {
    source: { name: 'apps', url: 'https://git.example/apps.git', branch: 'main', commit: 'a'.repeat(40) },
    repositoryOf: (b) => b,
    versions: [
      {
        bundle,
        version: p.configDoc.version,
        digest: p.manifestDigest,
        commit: 'a'.repeat(40),
        parent: p.configDoc.provenance.parent,
        createdAt: '2026-12-01T00:00:00.000Z',
        config: p.configDoc,
      },
    ],
  });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drover-bundle-store-'));
  db = openState({ path: ':memory:' });
  stores = await connectStores({ reference: `oci-layout://${dir}` });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openBundleStore: versions by the digest recorded at cut', () => {
  const v0 = pack('1.0.0', null);
  const v1 = pack('1.0.1', '1.0.0');

  it('loads a recorded version by its recorded digest when the tag agrees', async () => {
    await push(v0, '1.0.0');
    record(v0);
    const v = await openVersions().load('1.0.0');
    expect({ version: v.version, digest: v.digest }).toEqual({ version: '1.0.0', digest: v0.manifestDigest });
  });

  it('a version loaded by name is not pulled again when asked for by its digest', async () => {
    await push(v0, '1.0.0');
    record(v0);
    const versions = openVersions();
    const byName = versions.load('1.0.0');
    await byName;
    // Gone from the registry now: only the handle's cache can answer, with the very same load.
    rmSync(dir, { recursive: true, force: true });
    expect(versions.load(v0.manifestDigest)).toBe(byName);
  });

  it('refuses a version whose tag was re-pointed to another artifact, naming both digests', async () => {
    await push(v0, '1.0.0');
    await push(v1, '1.0.1');
    record(v0);
    record(v1);
    // Someone else moves the immutable tag (as `oras tag` can): 1.0.1 now names 1.0.0's artifact.
    await stores.open(bundle).tag({ digest: v0.manifestDigest, tag: '1.0.1' });
    const err = await openVersions()
      .load('1.0.1')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(VersionTagMovedError);
    expect(err).toBeInstanceOf(ConflictError);
    const e = err as VersionTagMovedError;
    expect(e.code).toBe('E_CONFLICT');
    expect(e.exitCode).toBe(5);
    expect(e.data).toEqual({
      reason: 'VersionTagMoved',
      bundle,
      version: '1.0.1',
      location: stores.open(bundle).location,
      recorded: v1.manifestDigest,
      found: v0.manifestDigest,
    });
    expect(e.message).toContain(v1.manifestDigest);
    expect(e.message).toContain(v0.manifestDigest);
    // By digest, the version Drover cut is still there and loads.
    expect((await openVersions().load(v1.manifestDigest)).version).toBe('1.0.1');
  });

  it('loads a recorded version by its digest when its tag is gone', async () => {
    await push(v0);
    record(v0);
    expect((await openVersions().load('1.0.0')).digest).toBe(v0.manifestDigest);
  });

  it('falls back to the tag for a version this state never recorded', async () => {
    await push(v1, '1.0.1');
    expect((await openVersions().load('1.0.1')).digest).toBe(v1.manifestDigest);
  });
});

describe('openBundleStore: channel tags', () => {
  const v0 = pack('1.0.0', null);

  it("moves a channel tag and marks it as Drover's; mark alone moves nothing", async () => {
    await push(v0, '1.0.0');
    const versions = openVersions();
    expect(await versions.channel('prod')).toBeUndefined();
    await versions.moveChannel('prod', v0.manifestDigest);
    expect(await versions.channel('prod')).toBe(v0.manifestDigest);
    expect(channelMark(db, { bundle, environment: 'prod' })?.digest).toBe(v0.manifestDigest);
    versions.mark('dev', v0.manifestDigest);
    expect(channelMark(db, { bundle, environment: 'dev' })?.digest).toBe(v0.manifestDigest);
    expect(await versions.channel('dev')).toBeUndefined();
  });
});
