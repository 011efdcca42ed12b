import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../errors/errors.ts';
import { descriptorsOfIndex, referrersIndex } from './referrers-index.ts';

const D = `sha256:${'c'.repeat(64)}`;
const enc = (v: unknown) => new Uint8Array(Buffer.from(JSON.stringify(v)));

describe('descriptorsOfIndex', () => {
  it('keeps well-formed descriptors with their artifact type and string annotations, and drops the rest', () => {
    const bytes = enc({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: D,
          size: 10,
          artifactType: 'a/b',
          annotations: { k: 'v', n: 1 },
        },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:short', size: 10 },
        { mediaType: 'x', digest: D },
        'nonsense',
      ],
    });
    expect(descriptorsOfIndex({ bytes, what: 'test' })).toEqual([
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: D,
        size: 10,
        artifactType: 'a/b',
        annotations: { k: 'v' },
      },
    ]);
  });

  it.each([
    ['not JSON', new Uint8Array(Buffer.from('{'))],
    ['no manifests', enc({ schemaVersion: 2 })],
    ['manifests that are not a list', enc({ schemaVersion: 2, manifests: {} })],
  ])('refuses %s as an IntegrityError naming what it read', (_name, bytes) => {
    expect(() => descriptorsOfIndex({ bytes, what: 'referrers tag of x' })).toThrow(IntegrityError);
    expect(() => descriptorsOfIndex({ bytes, what: 'referrers tag of x' })).toThrow(/referrers tag of x/);
  });

  it('reads "manifests": null (a Go registry\'s empty list, as the referrers API may answer) as no referrers', () => {
    const bytes = enc({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: null });
    expect(descriptorsOfIndex({ bytes, what: 'referrers of x' })).toEqual([]);
  });

  it('reads back what referrersIndex writes', () => {
    const manifests = [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D as `sha256:${string}`, size: 3 },
    ];
    expect(descriptorsOfIndex({ bytes: referrersIndex({ manifests }), what: 't' })).toEqual(manifests);
  });
});
