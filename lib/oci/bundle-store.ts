/**
 * A bundle's versions in the registry and its channel tags, in one place:
 * which tag names what (the immutable `<version>` tag, and one channel tag
 * per environment, named like the environment), reading a version back by
 * version, channel or digest (resolved to a digest once, then manifest,
 * config and layer pulled by digest, each verified by lib/bundle's artifact
 * rules, and unpacked), and moving a channel tag. Deploy, promote, rollback,
 * diff, drift, recovery and the daemon all go through here (a workspace
 * opens one: `ws.versions(bundle)`), so the tag rules live nowhere else.
 *
 * A version is pulled by the digest the state recorded when Drover cut it,
 * never by whatever its `<version>` tag names now: the tag is read only to
 * compare, and one that names another digest is refused
 * (`VersionTagMovedError`, both digests named). The state itself is the
 * caller's: it hands in `recordedDigest` (what was recorded at cut) and
 * `onMarked` (a channel tag Drover moved or followed, to remember as its own).
 *
 * @example
 *   const versions = openBundleStore({ store: stores.open('web'), bundle: 'web', recordedDigest, onMarked });
 *   const prod = await versions.channel('prod');        // the digest prod's tag names, or undefined
 *   const v = await versions.load('1.0.2');            // { version, digest, members, policy }
 *   await versions.moveChannel('prod', v.digest);
 */
import { TARGET_ANNOTATION } from '../bundle/pack.ts';
import { unpackBundle } from '../bundle/unpack.ts';
import { checkBundleConfig, checkBundleManifest, refuse } from '../bundle/artifact-check.ts';
import { clusterTarget, targetFor } from '../bundle/targets.ts';
import type { VersionContent } from '../bundle/version-content.ts';
import { NotFoundError } from '../errors/errors.ts';
import type { OciStore } from './store.ts';
import { VersionTagMovedError } from './version-tag-moved.ts';

/** The tag an environment's desired version is named by. */
export const channelTag = (environment: string): string => environment;

export interface BundleStore {
  /**
   * A version by semver, by tag (a channel) or by digest, pulled and
   * verified: the layer of `target` (see lib/bundle/targets.ts for which one
   * a cluster takes), or of the version's only variant. A version with
   * targets asked for none gives its first. A version this state recorded
   * at cut is pulled by that digest (see `versionDigest`).
   */
  load(reference: string, opts?: { target?: string; for?: Placement }): Promise<VersionContent>;
  /** The digest the environment's channel tag names, or undefined when it has none (or the registry says so). */
  channel(environment: string, opts?: { signal?: AbortSignal | undefined }): Promise<string | undefined>;
  /** Points the environment's channel tag at a digest already in the registry, and marks it as Drover's (`onMarked`). */
  moveChannel(environment: string, digest: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Marks the digest the tag names as known to Drover without moving it (a tag followed). */
  mark(environment: string, digest: string): void;
  /**
   * Which of these environments have a channel tag, from one listing of the
   * repository's tags (one request, where reading each tag is one per
   * environment). Undefined when the listing cannot be trusted: it failed,
   * or it is empty (a bundle's repository always holds its version tags, so
   * an empty list is a registry that does not list): read each tag then.
   */
  channelsListed(environments: readonly string[]): Promise<Set<string> | undefined>;
  /** The digest any tag of the bundle names (a wave tag `<env>.w<k>`), or undefined. */
  tagged(tag: string): Promise<string | undefined>;
  /** Points any non-version tag (a wave tag) at a digest already in the registry. */
  moveTag(tag: string, digest: string, opts?: { signal?: AbortSignal }): Promise<void>;
}

/** Where a version is going: the cluster, and the environment it deploys it as (its target is chosen from these). */
export interface Placement {
  environment?: string;
  cluster: string;
}

export interface OpenBundleStoreOptions {
  /** The bundle's repository in the registry. */
  store: OciStore;
  bundle: string;
  /** The digest the state recorded for a version at cut, or undefined when it recorded none. */
  recordedDigest: (version: string) => string | undefined;
  /** Remembers a channel tag's digest as Drover's own (a move of its own, or a tag followed). */
  onMarked: (environment: string, digest: string) => void;
  signal?: AbortSignal | undefined;
}

export function openBundleStore({
  store,
  bundle,
  recordedDigest,
  onMarked,
  signal,
}: OpenBundleStoreOptions): BundleStore {
  // One pull per version and target for this handle: a fan-out to many clusters of one target pulls its layer once.
  const loaded = new Map<string, Promise<VersionContent>>();
  const moveTag = async (tag: string, digest: string, opts: { signal?: AbortSignal } = {}) => {
    await store.tag({
      digest: digest as `sha256:${string}`,
      tag,
      signal: opts.signal ?? signal,
    });
  };
  const tagged = (tag: string, opts: { signal?: AbortSignal | undefined } = {}) =>
    store.resolve({ tag, signal: opts.signal ?? signal }).then(
      (d) => d.digest as string,
      (err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      },
    );
  return {
    load: (reference, opts = {}) => {
      const keyOf = (ref: string) =>
        `${ref}\0${opts.target ?? ''}\0${opts.for ? `${opts.for.environment ?? ''}/${opts.for.cluster}` : ''}`;
      const key = keyOf(reference);
      if (!loaded.has(key)) {
        const recorded = reference.startsWith('sha256:') ? undefined : recordedDigest(reference);
        const p = loadVersionContent({
          store,
          bundle,
          reference,
          ...(recorded ? { recorded } : {}),
          ...(opts.target ? { target: opts.target } : {}),
          ...(opts.for ? { placement: opts.for } : {}),
          signal,
        });
        p.catch(() => loaded.delete(key));
        loaded.set(key, p);
        // A version loaded by name is the same content when asked for by its digest next (a plan, then its run).
        if (!reference.startsWith('sha256:'))
          p.then(
            (c) => void (loaded.has(keyOf(c.digest)) || loaded.set(keyOf(c.digest), p)),
            () => {},
          );
      }
      return loaded.get(key)!;
    },
    channel: (environment, opts) => tagged(channelTag(environment), opts),
    channelsListed: async (environments) => {
      const tags = await store.listTags({ signal }).catch(() => [] as string[]);
      if (tags.length === 0) return undefined;
      const present = new Set(tags);
      return new Set(environments.filter((e) => present.has(channelTag(e))));
    },
    tagged: (tag) => tagged(tag),
    moveTag: (tag, digest, opts) => moveTag(tag, digest, opts),
    moveChannel: async (environment, digest, opts) => {
      await moveTag(channelTag(environment), digest, opts);
      // Drover's own move: the tag names what Drover put there, not a move by someone else to follow.
      onMarked(environment, digest);
    },
    mark: (environment, digest) => onMarked(environment, digest),
  };
}

/**
 * The digest to pull `reference` by. A digest is itself. A version this
 * state recorded at cut is its recorded digest; its tag is read only to
 * compare: naming another digest, it is refused; gone, the recorded digest
 * still names the version (deleting a tag changes no content). Anything
 * else (a channel tag, or a version this state never recorded: cut by
 * another hub, or before this state was opened) falls back to what its tag
 * names now, as nothing better is known; the artifact is still checked to
 * be a Drover version of the bundle before it is read further. Every row
 * of the versions table has a digest (NOT NULL since the first migration),
 * so no recorded version lacks one.
 */
async function versionDigest({
  store,
  bundle,
  reference,
  recorded,
  signal,
}: {
  store: OciStore;
  bundle: string;
  reference: string;
  recorded?: string;
  signal?: AbortSignal;
}): Promise<string> {
  if (reference.startsWith('sha256:')) return reference;
  const found = await store.resolve({ tag: reference, signal }).then(
    (d) => d.digest as string,
    (err: unknown) => {
      if (recorded && err instanceof NotFoundError) return undefined;
      throw err;
    },
  );
  if (!recorded) return found!;
  if (found !== undefined && found !== recorded)
    throw new VersionTagMovedError({ bundle, version: reference, location: store.location, recorded, found });
  return recorded;
}

async function loadVersionContent({
  store,
  bundle,
  reference,
  recorded,
  target,
  placement,
  signal,
}: {
  store: OciStore;
  bundle: string;
  reference: string;
  recorded?: string;
  target?: string;
  placement?: Placement;
  signal?: AbortSignal;
}): Promise<VersionContent> {
  const digest = await versionDigest({
    store,
    bundle,
    reference,
    ...(recorded ? { recorded } : {}),
    signal,
  });
  const at = `${store.location}@${digest}`;
  const manifest = await store.getManifest({ reference: digest, signal });
  // Whatever a tag names is untrusted: it must be a Drover version of this bundle before anything of it is read further.
  const doc = checkBundleManifest({ bundle, reference: at, bytes: manifest.bytes });
  const configBytes = await store.fetchBlob({
    digest: doc.config.digest,
    size: doc.config.size,
    signal,
  });
  checkBundleConfig({ bundle, reference: at, bytes: configBytes });
  const names = doc.layers.map((l) => l.annotations?.[TARGET_ANNOTATION]).filter((n): n is string => n !== undefined);
  // For a placement, the cluster's own target or its environment's; no target asked of a version with targets: its first.
  const placed =
    placement && names.length > 0
      ? targetFor({ available: names, environment: placement.environment, cluster: placement.cluster })
      : undefined;
  if (placement && names.length > 0 && !placed) {
    throw new NotFoundError(
      `${bundle}@${digest} has no target for ${placement.environment ? `${placement.environment} or ` : ''}${clusterTarget(placement.environment ?? '?', placement.cluster)} (it has ${names.join(', ')})`,
      { data: { bundle, digest, targets: names, ...placement } },
    );
  }
  const wanted = names.length === 0 ? undefined : (target ?? placed ?? names[0]);
  const layer =
    wanted === undefined ? doc.layers[0]! : doc.layers.find((l) => l.annotations?.[TARGET_ANNOTATION] === wanted);
  if (!layer)
    throw new NotFoundError(`${bundle}@${digest} has no target ${wanted} (it has ${names.join(', ')})`, {
      data: { bundle, digest, target: wanted, targets: names },
    });
  const layerBytes = await store.fetchBlob({ digest: layer.digest, size: layer.size, signal });
  let unpacked: ReturnType<typeof unpackBundle>;
  try {
    unpacked = unpackBundle({
      config: configBytes,
      layer: layerBytes,
      ...(wanted !== undefined ? { target: wanted } : {}),
    });
  } catch (err) {
    refuse(bundle, at, 'malformed-layer', err instanceof Error ? err.message : String(err));
  }
  return {
    bundle,
    version: unpacked.config.version,
    digest,
    members: unpacked.members.map((m) => m.object),
    ...(unpacked.config.policy ? { policy: unpacked.config.policy } : {}),
    ...(wanted !== undefined ? { target: wanted } : {}),
    targets: names,
  };
}
