import { describe, expect, it } from 'vitest';
import { IntegrityError, NotFoundError } from '../errors/errors.ts';
import type { KubeObject } from '../object/ref.ts';
import { artifactRefusalOf, checkBundleConfig, checkBundleManifest } from './artifact-check.ts';
import { packBundle, type Provenance } from './pack.ts';

const objects: KubeObject[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'web' }, data: { a: 'b' } },
];
const provenance: Provenance = {
  source: 'https://git.example.com/r.git',
  commit: 'abc',
  changedPaths: [],
  author: 'A <a@x>',
  commitTime: '2024-01-01T00:00:00Z',
  parent: null,
};
const packed = packBundle({ name: 'web', version: '1.0.0', objects, provenance });
const manifest = JSON.parse(Buffer.from(packed.manifest).toString('utf8')) as Record<string, unknown> & {
  config: Record<string, unknown>;
  layers: Record<string, unknown>[];
};
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const reference = 'registry.example/drover/web@sha256:abc';

describe('checkBundleManifest', () => {
  it('accepts a packed version and gives its config and layers', () => {
    const doc = checkBundleManifest({ bundle: 'web', reference, bytes: packed.manifest });
    expect(doc.config.digest).toBe(packed.configDigest);
    expect(doc.layers.map((l) => l.digest)).toEqual([packed.layerDigest]);
  });

  it.each([
    { name: 'not JSON', doc: '{"schemaVersion": 2,', reason: 'not-a-manifest', message: /not JSON/ },
    {
      name: 'an image index',
      doc: { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] },
      reason: 'not-a-manifest',
      message: /an index/,
    },
    {
      name: 'another artifact type (oras push)',
      doc: { ...manifest, artifactType: 'application/vnd.example.thing' },
      reason: 'artifact-type',
      message: /artifactType is "application\/vnd\.example\.thing"/,
    },
    {
      name: 'no artifact type (a container image)',
      doc: { ...manifest, artifactType: undefined },
      reason: 'artifact-type',
      message: /artifactType is none/,
    },
    {
      name: 'an empty config',
      doc: { ...manifest, config: { ...manifest.config, mediaType: 'application/vnd.oci.empty.v1+json' } },
      reason: 'config-type',
      message: /config media type/,
    },
    {
      name: 'a layer of another type',
      doc: { ...manifest, layers: [{ ...manifest.layers[0], mediaType: 'application/vnd.oci.image.layer.v1.tar' }] },
      reason: 'layer-type',
      message: /layer 0 is/,
    },
    { name: 'no layer', doc: { ...manifest, layers: [] }, reason: 'layer-type', message: /no layer/ },
  ])('refuses $name, saying why', ({ doc, reason, message }) => {
    let err: unknown;
    try {
      checkBundleManifest({ bundle: 'web', reference, bytes: bytes(doc) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(`${reference} is not a Drover version of web`);
    expect(artifactRefusalOf(err)).toBe(reason);
  });
});

describe('checkBundleConfig', () => {
  it('accepts the config of a version of the bundle', () => {
    expect(checkBundleConfig({ bundle: 'web', reference, bytes: packed.config }).version).toBe('1.0.0');
  });

  it("refuses another bundle's version, naming it", () => {
    const other = packBundle({ name: 'api', version: '2.0.0', objects, provenance });
    expect(() => checkBundleConfig({ bundle: 'web', reference, bytes: other.config })).toThrow(/is a version of "api"/);
    expect(
      artifactRefusalOf(captured(() => checkBundleConfig({ bundle: 'web', reference, bytes: other.config }))),
    ).toBe('other-bundle');
  });

  it('refuses a malformed config', () => {
    expect(
      artifactRefusalOf(captured(() => checkBundleConfig({ bundle: 'web', reference, bytes: bytes('not json') }))),
    ).toBe('malformed-config');
    expect(
      artifactRefusalOf(
        captured(() => checkBundleConfig({ bundle: 'web', reference, bytes: bytes({ name: 'web', version: 'one' }) })),
      ),
    ).toBe('malformed-config');
  });

  it('reads no refusal into other errors', () => {
    expect(artifactRefusalOf(new NotFoundError('gone'))).toBeUndefined();
    expect(artifactRefusalOf(new IntegrityError('digest mismatch', { data: { reason: 'digest' } }))).toBeUndefined();
  });
});

function captured(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
