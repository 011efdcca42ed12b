/**
 * A bundle's versions in the registry and its channel tags, in one place:
 * which tag names what (the immutable `<version>` tag, and one channel tag
 * per environment, named like the environment), reading a version back by
 * version, channel or digest (resolved to a digest once, then manifest,
 * config and layer pulled by digest, each verified, and unpacked), and
 * moving a channel tag. Deploy, promote, rollback, diff, drift, recovery and
 * the daemon all go through here, so the tag rules live nowhere else.
 *
 * @example
 *   const versions = bundleVersions({ ws, bundle: 'web' });
 *   const prod = await versions.channel('prod');        // the digest prod's tag names, or undefined
 *   const v = await versions.load('1.0.2');            // { version, digest, members, policy }
 *   await versions.moveChannel('prod', v.digest);
 */
import { unpackBundle } from '../bundle/unpack.ts';
import { IntegrityError, NotFoundError } from '../errors/errors.ts';
import type { OciStore } from '../oci/index.ts';
import type { VersionContent } from '../release/release-options.ts';
import type { Workspace } from './workspace.ts';

/** The tag an environment's desired version is named by. */
export const channelTag = (environment: string): string => environment;

interface ManifestDoc {
  config?: { digest: `sha256:${string}`; size: number };
  layers?: { digest: `sha256:${string}`; size: number }[];
}

export interface BundleVersions {
  /** A version by semver, by tag (a channel) or by digest, pulled and verified. */
  load(reference: string): Promise<VersionContent>;
  /** The digest the environment's channel tag names, or undefined when it has none (or the registry says so). */
  channel(environment: string): Promise<string | undefined>;
  /** Points the environment's channel tag at a digest already in the registry. */
  moveChannel(environment: string, digest: string, opts?: { signal?: AbortSignal }): Promise<void>;
}

export function bundleVersions({ ws, bundle, signal }: { ws: Workspace; bundle: string; signal?: AbortSignal }): BundleVersions {
  const store = ws.stores.open(bundle);
  const sig = signal ? { signal } : {};
  return {
    load: (reference) => loadVersionContent({ store, bundle, reference, ...sig }),
    channel: (environment) =>
      store.resolve({ tag: channelTag(environment), ...sig }).then(
        (d) => d.digest as string,
        (err: unknown) => {
          if (err instanceof NotFoundError) return undefined;
          throw err;
        },
      ),
    moveChannel: async (environment, digest, opts = {}) => {
      await store.tag({ digest: digest as `sha256:${string}`, tag: channelTag(environment), ...(opts.signal ?? signal ? { signal: opts.signal ?? signal } : {}) });
    },
  };
}

async function loadVersionContent({ store, bundle, reference, signal }: { store: OciStore; bundle: string; reference: string; signal?: AbortSignal }): Promise<VersionContent> {
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
