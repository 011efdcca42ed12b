/**
 * Whether a manifest pulled from a registry is a Drover version of a given
 * bundle: the gate every digest passes before anything of it is applied,
 * whoever tagged it (an `oras tag` to another artifact, a pipeline pushing
 * the wrong thing, a registry UI). Pure: the caller pulled the manifest and
 * the config and checked their digests; this reads their content only.
 *
 * A refusal is an IntegrityError whose `data.reason` is one of a small fixed
 * vocabulary (`ArtifactRefusal`), so logs, metrics and status can say why
 * without carrying free text in a label.
 *
 * @example
 *   const doc = checkBundleManifest({ bundle: 'web', reference, bytes: manifest.bytes });
 *   const config = checkBundleConfig({ bundle: 'web', reference, bytes: configBytes });
 */
import { DroverError, IntegrityError } from '../errors/errors.ts';
import { BUNDLE_ARTIFACT_TYPE, BUNDLE_CONFIG_MEDIA_TYPE, BUNDLE_LAYER_MEDIA_TYPE, type BundleConfig } from './pack.ts';
import { parseBundleConfig } from './unpack.ts';

/** Why a digest is not a Drover version of the bundle. */
export type ArtifactRefusal =
  | 'not-a-manifest'
  | 'artifact-type'
  | 'config-type'
  | 'layer-type'
  | 'malformed-config'
  | 'other-bundle'
  | 'malformed-layer';

export const ARTIFACT_REFUSALS: readonly ArtifactRefusal[] = [
  'not-a-manifest',
  'artifact-type',
  'config-type',
  'layer-type',
  'malformed-config',
  'other-bundle',
  'malformed-layer',
];

export interface BundleManifestDoc {
  config: { mediaType: string; digest: `sha256:${string}`; size: number };
  layers: { mediaType: string; digest: `sha256:${string}`; size: number; annotations?: Record<string, string> }[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isDescriptor = (v: unknown): v is { mediaType: string; digest: `sha256:${string}`; size: number } =>
  isRecord(v) &&
  typeof v.mediaType === 'string' &&
  typeof v.digest === 'string' &&
  /^sha256:[a-f0-9]{64}$/.test(v.digest) &&
  Number.isSafeInteger(v.size) &&
  (v.size as number) >= 0;
const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 100)) : 'none');

export function refuse(bundle: string, reference: string, reason: ArtifactRefusal, why: string): never {
  throw new IntegrityError(`${reference} is not a Drover version of ${bundle}: ${why}`, {
    data: { bundle, reference, reason },
  });
}

/** The image manifest of a Drover bundle version, or an IntegrityError saying why it is not one. */
export function checkBundleManifest({
  bundle,
  reference,
  bytes,
}: {
  bundle: string;
  reference: string;
  bytes: Uint8Array;
}): BundleManifestDoc {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    refuse(bundle, reference, 'not-a-manifest', 'the manifest is not JSON');
  }
  if (!isRecord(doc) || !isDescriptor(doc.config) || !Array.isArray(doc.layers))
    refuse(
      bundle,
      reference,
      'not-a-manifest',
      'not an image manifest with a config and layers (an index, or another kind of document)',
    );
  if (doc.artifactType !== BUNDLE_ARTIFACT_TYPE)
    refuse(
      bundle,
      reference,
      'artifact-type',
      `artifactType is ${shown(doc.artifactType)}, not ${BUNDLE_ARTIFACT_TYPE}`,
    );
  if (doc.config.mediaType !== BUNDLE_CONFIG_MEDIA_TYPE)
    refuse(
      bundle,
      reference,
      'config-type',
      `config media type is ${shown(doc.config.mediaType)}, not ${BUNDLE_CONFIG_MEDIA_TYPE}`,
    );
  if (doc.layers.length === 0) refuse(bundle, reference, 'layer-type', 'it has no layer');
  for (const [i, l] of doc.layers.entries()) {
    if (!isDescriptor(l) || l.mediaType !== BUNDLE_LAYER_MEDIA_TYPE)
      refuse(
        bundle,
        reference,
        'layer-type',
        `layer ${i} is ${isDescriptor(l) ? shown(l.mediaType) : 'not a descriptor'}, not ${BUNDLE_LAYER_MEDIA_TYPE}`,
      );
  }
  return doc as unknown as BundleManifestDoc;
}

/** The config of a Drover version of `bundle`, or an IntegrityError: malformed, or another bundle's. */
export function checkBundleConfig({
  bundle,
  reference,
  bytes,
}: {
  bundle: string;
  reference: string;
  bytes: Uint8Array;
}): BundleConfig {
  let config: BundleConfig;
  try {
    config = parseBundleConfig({ bytes });
  } catch (err) {
    refuse(bundle, reference, 'malformed-config', err instanceof Error ? err.message : String(err));
  }
  if (config.name !== bundle) refuse(bundle, reference, 'other-bundle', `it is a version of ${shown(config.name)}`);
  return config;
}

/** The refusal reason of an error from the checks above, if it is one. */
export function artifactRefusalOf(err: unknown): ArtifactRefusal | undefined {
  if (!(err instanceof IntegrityError)) return undefined;
  const reason = err.data.reason;
  return ARTIFACT_REFUSALS.includes(reason as ArtifactRefusal) ? (reason as ArtifactRefusal) : undefined;
}

/**
 * Why a digest cannot be used as a version of the bundle: a refusal above,
 * or `unreadable` for any other integrity, not-found or invalid-input error
 * of pulling it. Undefined for an outage (unreachable, unauthorized): retry
 * those, refuse nothing.
 */
export function unusableReasonOf(err: unknown): ArtifactRefusal | 'unreadable' | undefined {
  const known = artifactRefusalOf(err);
  if (known) return known;
  if (err instanceof DroverError && ['E_INTEGRITY', 'E_NOT_FOUND', 'E_INVALID_INPUT'].includes(err.code))
    return 'unreadable';
  return undefined;
}
