/**
 * Reads a bundle version back from the registry: resolve the version (or a
 * channel tag) to a digest once, then pull the manifest, config and layer by
 * digest, each verified, and unpack the members. This is what deploy, diff
 * and rollback load.
 */
import { unpackBundle } from '../bundle/unpack.ts';
import { IntegrityError } from '../errors/errors.ts';
import type { OciStore } from '../oci/index.ts';
import type { VersionContent } from '../release/release.ts';

interface ManifestDoc {
  config?: { digest: `sha256:${string}`; size: number };
  layers?: { digest: `sha256:${string}`; size: number }[];
}

export async function loadVersionContent({ store, bundle, reference, signal }: { store: OciStore; bundle: string; reference: string; signal?: AbortSignal }): Promise<VersionContent> {
  const digest = reference.startsWith('sha256:') ? reference : (await store.resolve({ tag: reference, ...(signal ? { signal } : {}) })).digest;
  const manifest = await store.getManifest({ reference: digest, ...(signal ? { signal } : {}) });
  const doc = JSON.parse(Buffer.from(manifest.bytes).toString('utf8')) as ManifestDoc;
  const layer = doc.layers?.[0];
  if (!doc.config || !layer) throw new IntegrityError(`${store.location}@${digest}: not a Drover bundle (no config or layer)`, { data: { digest } });
  const [config, layerBytes] = await Promise.all([
    store.fetchBlob({ digest: doc.config.digest, size: doc.config.size, ...(signal ? { signal } : {}) }),
    store.fetchBlob({ digest: layer.digest, size: layer.size, ...(signal ? { signal } : {}) }),
  ]);
  const unpacked = unpackBundle({ config, layer: layerBytes });
  return { bundle, version: unpacked.config.version, digest, members: unpacked.members.map((m) => m.object), ...(unpacked.config.policy ? { policy: unpacked.config.policy } : {}) };
}
