/**
 * Packs one bundle version into an OCI 1.1 artifact (ORAS-compatible): a
 * config blob, one layer (a deterministic tar.gz with one file per member) and
 * the image manifest tying them together. Pure: returns bytes and digests for
 * the caller to push.
 *
 * Same input, byte-identical output: members are sorted by path, the tar and
 * gzip are written deterministically (tar.ts, gzip.ts), JSON key order is
 * fixed, and `org.opencontainers.image.created` is the commit time, never now.
 *
 * Layer layout: `<namespace or _cluster>/<group or core>/<Kind>/<name>.json`.
 * Each file is the member's canonical JSON (no trailing newline), so
 * `sha256sum` of a file equals the member digest in the config: anyone can
 * check an artifact with standard tools. kubectl applies JSON as readily as
 * YAML; YAML would need a second canonical form.
 *
 * @example
 *   const { manifest, manifestDigest, config, layer } = packBundle({ name: 'web', version: '1.0.0', objects, provenance });
 */
import semver from 'semver';
import { InvalidInputError } from '../errors/errors.ts';
import { canonicalBytes, sha256, type ContentDigest } from '../object/canonical.ts';
import { formatRef, groupOf, type KubeObject, type ObjectId, refOf } from '../object/ref.ts';
import { gzipDeterministic, type GzipLevel } from './gzip.ts';
import { type BundlePolicy, isDefaultPolicy, type StoredPolicy, storedPolicyOf } from './policy.ts';
import { DEFAULT_TAR_LIMITS, unsafePathReason, writeTar } from './tar.ts';

export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const BUNDLE_ARTIFACT_TYPE = 'application/vnd.drover.bundle.v1';
export const BUNDLE_CONFIG_MEDIA_TYPE = 'application/vnd.drover.bundle.config.v1+json';
export const BUNDLE_LAYER_MEDIA_TYPE = 'application/vnd.drover.bundle.manifests.v1.tar+gzip';

export interface Provenance {
  /** Source repository URL; any credentials in it are removed before packing. */
  source: string;
  commit: string;
  /** Paths changed since the parent version's commit. Sorted and deduplicated when packed. */
  changedPaths: readonly string[];
  /** `Name <email>` of the commit author. */
  author: string;
  /** Commit time, RFC 3339; packed as UTC seconds (`2024-05-01T12:00:00Z`). */
  commitTime: string;
  /** The version this one follows, or null for the first. */
  parent: string | null;
}

/** A member as the config lists it: its id (lib/object/ref.ts) and its content digest. */
export interface BundleConfigMember extends ObjectId {
  digest: ContentDigest;
}

/** One target of a version: its layer (shared with any target of identical bytes) and members. */
export interface BundleConfigTarget {
  name: string;
  /** Digest of this target's layer. */
  layer: ContentDigest;
  members: BundleConfigMember[];
}

/** The renderer that produced a version's targets, for the provenance. */
export interface RendererInfo {
  name: 'plain' | 'kustomize' | 'helm';
  /** The binary's version (`v5.8.1`), for a binary renderer. */
  version?: string;
}

/** The annotation naming the target a layer holds. */
export const TARGET_ANNOTATION = 'drover.dev/target';

/** The config blob, `application/vnd.drover.bundle.config.v1+json`. */
export interface BundleConfig {
  name: string;
  version: string;
  /** The members of the version's one variant, or of its first target. */
  members: BundleConfigMember[];
  provenance: Provenance & { changedPaths: string[]; renderer?: RendererInfo };
  /** Every target (absent for a version without targets: its one layer serves every cluster). */
  targets?: BundleConfigTarget[];
  /** The bundle's apply policy; absent when every choice is the default (policy.ts). */
  policy?: StoredPolicy;
}

export interface PackedBundle {
  /** The config as packed (what `config` encodes), so a caller need not parse it back. */
  configDoc: BundleConfig;
  manifest: Uint8Array;
  manifestDigest: ContentDigest;
  config: Uint8Array;
  configDigest: ContentDigest;
  /** The first (or only) layer. */
  layer: Uint8Array;
  layerDigest: ContentDigest;
  /** The layer's file name (`<bundle>-<version>.tar.gz`), also its title annotation. */
  layerTitle: string;
  /** Every distinct layer blob (targets of identical bytes share one), to push. */
  blobs: { digest: ContentDigest; data: Uint8Array }[];
}

/** A target's objects, to pack as one layer. */
export interface PackTarget {
  name: string;
  objects: readonly KubeObject[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Where a member lives inside the layer. */
export function memberPath(obj: KubeObject): string {
  const group = groupOf(obj.apiVersion);
  const path = `${obj.metadata.namespace || '_cluster'}/${group || 'core'}/${obj.kind}/${obj.metadata.name}.json`;
  const unsafe =
    unsafePathReason(path) ??
    (obj.metadata.name.includes('/') || obj.kind.includes('/') ? 'slash in a name' : undefined);
  if (unsafe)
    throw new InvalidInputError(`${formatRef(refOf(obj))} cannot be packed: ${unsafe}`, {
      data: { object: formatRef(refOf(obj)), reason: unsafe },
    });
  return path;
}

/** A source URL without user name, password or token. Non-URL sources (local paths) are returned as they are. */
export function redactSourceUrl(source: string): string {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return source;
  }
  if (!url.username && !url.password) return source;
  url.username = '';
  url.password = '';
  return url.toString();
}

/** RFC 3339 time as UTC to the second, so the same commit gives the same string however it was written. */
export function normalizeCommitTime(time: string): string {
  const ms = Date.parse(time);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(time) || Number.isNaN(ms)) {
    throw new InvalidInputError(`commit time "${time}" is not an RFC 3339 time`, { data: { commitTime: time } });
  }
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** One packed layer: its bytes, their digest, and its members as the config lists them. */
interface PackedLayer {
  data: Uint8Array;
  digest: ContentDigest;
  members: BundleConfigMember[];
}

/** Packs a bundle version. Throws InvalidInputError for a bad name, version, time or member identity. */
export function packBundle({
  name,
  version,
  objects = [],
  targets,
  provenance,
  renderer,
  policy,
  gzipLevel = 0,
}: {
  name: string;
  version: string;
  /** The members of a version without targets. */
  objects?: readonly KubeObject[];
  /** The targets, in declared order, each one layer (a version without them packs `objects` as its one layer). */
  targets?: readonly PackTarget[];
  provenance: Provenance;
  renderer?: RendererInfo;
  /** The Bundle document's apply policy, stored in the config when it is not the default. */
  policy?: BundlePolicy;
  /** 0: stored, identical on every machine (default); 9: smaller, identical only per Node/zlib build. */
  gzipLevel?: GzipLevel;
}): PackedBundle {
  checkVersionNames({ name, version, parent: provenance.parent });
  if (targets && targets.length === 0)
    throw new InvalidInputError(`bundle ${name}: no targets to pack`, { data: { bundle: name } });
  const { packedTargets, first } = packLayers({ name, objects, targets, gzipLevel });
  const layer = first.data;
  const layerDigest = first.digest;

  const source = redactSourceUrl(provenance.source);
  const commitTime = normalizeCommitTime(provenance.commitTime);
  const configDoc: BundleConfig = {
    name,
    version,
    members: first.members,
    provenance: {
      source,
      commit: provenance.commit,
      changedPaths: [...new Set(provenance.changedPaths)].sort(),
      author: provenance.author,
      commitTime,
      parent: provenance.parent,
      ...(renderer && renderer.name !== 'plain' ? { renderer } : {}),
    },
    ...(packedTargets
      ? { targets: packedTargets.map((t) => ({ name: t.name, layer: t.digest, members: t.members })) }
      : {}),
    ...(policy && !isDefaultPolicy(policy) ? { policy: storedPolicyOf(policy) } : {}),
  };
  const config = json(configDoc);
  const configDigest = sha256(config);

  const layerTitle = `${name}-${version}.tar.gz`;
  const manifest = json({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    artifactType: BUNDLE_ARTIFACT_TYPE,
    config: { mediaType: BUNDLE_CONFIG_MEDIA_TYPE, digest: configDigest, size: config.length },
    layers: assembleLayerDescriptors({ name, version, packedTargets, first, layerTitle }),
    annotations: {
      'org.opencontainers.image.created': commitTime,
      'org.opencontainers.image.revision': provenance.commit,
      'org.opencontainers.image.source': source,
      'org.opencontainers.image.title': name,
      'org.opencontainers.image.version': version,
    },
  });
  const blobs = [
    ...new Map((packedTargets ?? [first]).map((t) => [t.digest, { digest: t.digest, data: t.data }])).values(),
  ];
  return {
    configDoc,
    manifest,
    manifestDigest: sha256(manifest),
    config,
    configDigest,
    layer,
    layerDigest,
    layerTitle,
    blobs,
  };
}

/** Refuses a bundle name that is not a DNS-1123 label, and a version or parent that is not semver x.y.z. */
function checkVersionNames({ name, version, parent }: { name: string; version: string; parent: string | null }): void {
  if (!DNS_LABEL.test(name) || name.length > 63)
    throw new InvalidInputError(`bundle name "${name}" is not a DNS-1123 label`, { data: { bundle: name } });
  if (semver.valid(version) !== version)
    throw new InvalidInputError(`bundle version "${version}" is not a semver x.y.z`, {
      data: { bundle: name, version },
    });
  if (parent !== null && semver.valid(parent) !== parent) {
    throw new InvalidInputError(`parent version "${parent}" is not a semver x.y.z`, {
      data: { bundle: name, parent },
    });
  }
}

/** Every target's layer, and the first (a version without targets: its one layer, of `objects`). */
function packLayers({
  name,
  objects,
  targets,
  gzipLevel,
}: {
  name: string;
  objects: readonly KubeObject[];
  targets: readonly PackTarget[] | undefined;
  gzipLevel: GzipLevel;
}) {
  const packedTargets = targets?.map((t) => ({
    name: t.name,
    ...packLayer({ objects: t.objects, gzipLevel, where: `bundle ${name}, target ${t.name}` }),
  }));
  const first = packedTargets?.[0] ?? {
    name: undefined,
    ...packLayer({ objects, gzipLevel, where: `bundle ${name}` }),
  };
  return { packedTargets, first };
}

/**
 * One layer: each object's canonical JSON at its member path, sorted by path, as a deterministic tar.gz.
 * A layer that unpack (tar.ts's limits) would refuse is refused here, at cut, rather than at deploy.
 */
function packLayer({
  objects,
  gzipLevel,
  where,
}: {
  objects: readonly KubeObject[];
  gzipLevel: GzipLevel;
  where: string;
}): PackedLayer {
  const files = objects
    .map((object) => {
      const content = canonicalBytes(object);
      return { object, path: memberPath(object), content, digest: sha256(content) };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  refuseUnreadableLayer({ files, where });
  const data = gzipDeterministic({ data: writeTar({ entries: files }), level: gzipLevel });
  const members: BundleConfigMember[] = files.map(({ object, digest }) => ({
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    digest,
  }));
  return { data, digest: sha256(data), members };
}

/** The manifest's layer descriptors: one per target, titled and annotated with its name, or the one layer titled `layerTitle`. */
function assembleLayerDescriptors({
  name,
  version,
  packedTargets,
  first,
  layerTitle,
}: {
  name: string;
  version: string;
  packedTargets: (PackedLayer & { name: string })[] | undefined;
  first: PackedLayer;
  layerTitle: string;
}): { mediaType: string; digest: ContentDigest; size: number; annotations: Record<string, string> }[] {
  return packedTargets
    ? packedTargets.map((t) => ({
        mediaType: BUNDLE_LAYER_MEDIA_TYPE,
        digest: t.digest,
        size: t.data.length,
        annotations: {
          'org.opencontainers.image.title': `${name}-${version}-${t.name.replace('/', '_')}.tar.gz`,
          [TARGET_ANNOTATION]: t.name,
        },
      }))
    : [
        {
          mediaType: BUNDLE_LAYER_MEDIA_TYPE,
          digest: first.digest,
          size: first.data.length,
          annotations: { 'org.opencontainers.image.title': layerTitle },
        },
      ];
}

/** Refuses a layer with a member or a total over what unpacking a version reads back (DEFAULT_TAR_LIMITS). */
function refuseUnreadableLayer({
  files,
  where,
}: {
  files: readonly { object: KubeObject; content: Uint8Array }[];
  where: string;
}): void {
  const { maxEntryBytes, maxTotalBytes, maxEntries } = DEFAULT_TAR_LIMITS;
  const big = files.find((f) => f.content.byteLength > maxEntryBytes);
  if (big) {
    const ref = formatRef(refOf(big.object));
    throw new InvalidInputError(
      `${where}: ${ref} is ${big.content.byteLength} bytes as stored, more than the ${maxEntryBytes} a member may be (no cluster could store it either)`,
      { data: { ref, bytes: big.content.byteLength, maxEntryBytes, reason: 'member-too-large' } },
    );
  }
  const total = files.reduce((n, f) => n + f.content.byteLength, 0);
  if (total > maxTotalBytes || files.length > maxEntries)
    throw new InvalidInputError(
      `${where}: ${files.length} members of ${total} bytes as stored, more than a version's layer may hold (${maxEntries} members, ${maxTotalBytes} bytes)`,
      { data: { bytes: total, members: files.length, maxTotalBytes, maxEntries, reason: 'layer-too-large' } },
    );
}
