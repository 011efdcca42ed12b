/**
 * Reading and writing the image index that lists a manifest's referrers,
 * whether the registry's referrers API answered it or it sits under the
 * referrers tag (`sha256-<hex>`, OCI distribution-spec 1.1's tag schema).
 * Read from a registry, it is untrusted: entries that are not well-formed
 * descriptors are dropped, never followed.
 *
 * @example
 *   const listed = descriptorsOfIndex({ bytes, what: `referrers of ${digest}` });
 *   const tagged = referrersIndex({ manifests: [...listed, signature] });
 */
import { IntegrityError } from '../errors/errors.ts';
import { isDigest } from './digest.ts';
import { MediaType } from './media-types.ts';
import type { Descriptor } from './store.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The well-formed descriptors an index lists; IntegrityError when the bytes are not an index at all. */
export function descriptorsOfIndex({ bytes, what }: { bytes: Uint8Array; what: string }): Descriptor[] {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new IntegrityError(`${what}: not a JSON document`, { data: { what } });
  }
  if (!isObject(doc) || !(Array.isArray(doc.manifests) || doc.manifests === null))
    throw new IntegrityError(`${what}: not an image index`, { data: { what } });
  // `"manifests": null` is how a registry written in Go can send an empty list (a nil slice: the referrers API of
  // cuelabs.dev/go/oci/ociregistry for a digest nothing refers to); it lists nothing.
  if (doc.manifests === null) return [];
  return doc.manifests.flatMap((m): Descriptor[] => {
    if (
      !isObject(m) ||
      typeof m.mediaType !== 'string' ||
      typeof m.digest !== 'string' ||
      !isDigest(m.digest) ||
      typeof m.size !== 'number'
    )
      return [];
    const d: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.size };
    if (typeof m.artifactType === 'string') d.artifactType = m.artifactType;
    if (isObject(m.annotations))
      d.annotations = Object.fromEntries(
        Object.entries(m.annotations).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
    return [d];
  });
}

/** An image index listing these descriptors (the referrers tag's content). */
export function referrersIndex({ manifests }: { manifests: readonly Descriptor[] }): Uint8Array {
  const doc = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  return new Uint8Array(Buffer.from(JSON.stringify(doc), 'utf8'));
}
