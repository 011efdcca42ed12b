/**
 * Reads a bundle artifact back: the config blob and the layer, with limits
 * (gunzip size, entry count and size, total size) and path checks, and
 * verifies that the layer holds exactly the members the config lists, each
 * file at its expected path, in canonical form, with the listed digest.
 * Pure: the caller fetched the blobs (and checked their own digests).
 *
 * @example
 *   const { config, members } = unpackBundle({ config: configBytes, layer: layerBytes });
 *   members[0].object.kind // => 'ConfigMap'
 */
import semver from 'semver';
import { IntegrityError, InvalidInputError } from '../errors/errors.ts';
import { canonicalJson, sha256, type ContentDigest } from '../object/canonical.ts';
import type { KubeObject } from '../object/ref.ts';
import { gunzipBounded } from './gzip.ts';
import { memberPath, type BundleConfig } from './pack.ts';
import { DEFAULT_TAR_LIMITS, readTar, type TarLimits } from './tar.ts';

export interface UnpackedMember {
  path: string;
  object: KubeObject;
  digest: ContentDigest;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** An object selector as a Bundle document writes one (spec.adopt, spec.shared): string fields and a map of string labels. */
function isSelector(v: unknown): boolean {
  if (!isRecord(v)) return false;
  for (const [k, x] of Object.entries(v)) {
    if (k === 'labels') {
      if (!isRecord(x) || !Object.values(x).every((l) => typeof l === 'string')) return false;
    } else if (!['apiVersion', 'kind', 'name', 'namespace'].includes(k) || typeof x !== 'string') return false;
  }
  return true;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses and shape-checks a config blob. Throws InvalidInputError on anything unexpected. */
export function parseBundleConfig({ bytes }: { bytes: Uint8Array }): BundleConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new InvalidInputError('bundle config is not JSON', { data: { reason: 'not-json' }, cause: err });
  }
  const problems: string[] = [];
  const c = isRecord(doc) ? doc : {};
  if (typeof c.name !== 'string') problems.push('name');
  if (typeof c.version !== 'string' || !semver.valid(c.version)) problems.push('version');
  if (!Array.isArray(c.members)) problems.push('members');
  const checkMembers = (list: unknown, at: string) => {
    for (const [i, m] of (Array.isArray(list) ? list : []).entries()) {
      if (
        !isRecord(m) ||
        !['apiVersion', 'kind', 'namespace', 'name'].every((k) => typeof m[k] === 'string') ||
        typeof m.digest !== 'string' ||
        !DIGEST.test(m.digest)
      )
        problems.push(`${at}[${i}]`);
    }
  };
  checkMembers(c.members, 'members');
  if (c.targets !== undefined) {
    if (!Array.isArray(c.targets) || c.targets.length === 0) problems.push('targets');
    for (const [i, t] of (Array.isArray(c.targets) ? c.targets : []).entries()) {
      if (
        !isRecord(t) ||
        typeof t.name !== 'string' ||
        typeof t.layer !== 'string' ||
        !DIGEST.test(t.layer) ||
        !Array.isArray(t.members)
      )
        problems.push(`targets[${i}]`);
      else checkMembers(t.members, `targets[${i}].members`);
    }
  }
  const p = isRecord(c.provenance) ? c.provenance : undefined;
  if (!p) problems.push('provenance');
  else {
    for (const k of ['source', 'commit', 'author', 'commitTime'])
      if (typeof p[k] !== 'string') problems.push(`provenance.${k}`);
    if (!Array.isArray(p.changedPaths) || !p.changedPaths.every((x) => typeof x === 'string'))
      problems.push('provenance.changedPaths');
    if (p.parent !== null && typeof p.parent !== 'string') problems.push('provenance.parent');
  }
  if (c.policy !== undefined) {
    const pol = isRecord(c.policy) ? c.policy : undefined;
    const prune = pol && isRecord(pol.prune) ? pol.prune : pol?.prune === undefined ? {} : undefined;
    if (!pol || !prune) problems.push('policy');
    else {
      if (pol.recreateOnImmutableChange !== undefined && typeof pol.recreateOnImmutableChange !== 'boolean')
        problems.push('policy.recreateOnImmutableChange');
      for (const k of ['enabled', 'protected'])
        if (prune[k] !== undefined && typeof prune[k] !== 'boolean') problems.push(`policy.prune.${k}`);
      if (
        prune.propagationPolicy !== undefined &&
        !['Background', 'Foreground', 'Orphan'].includes(prune.propagationPolicy as string)
      )
        problems.push('policy.prune.propagationPolicy');
      for (const k of ['allowEmpty', 'createNamespace'])
        if (pol[k] !== undefined && typeof pol[k] !== 'boolean') problems.push(`policy.${k}`);
      for (const k of ['adopt', 'shared'])
        if (pol[k] !== undefined && !(Array.isArray(pol[k]) && pol[k].every(isSelector))) problems.push(`policy.${k}`);
    }
  }
  if (problems.length > 0) {
    throw new InvalidInputError(`bundle config is malformed: ${problems.join(', ')}`, {
      data: { reason: 'malformed', problems },
    });
  }
  return doc as BundleConfig;
}

/** The members in a layer, verified to be canonical JSON at their expected paths. */
export function unpackLayer({
  layer,
  limits = {},
}: {
  layer: Uint8Array;
  limits?: Partial<TarLimits>;
}): UnpackedMember[] {
  const lim = { ...DEFAULT_TAR_LIMITS, ...limits };
  const tar = gunzipBounded({ bytes: layer, maxBytes: lim.maxTotalBytes + (lim.maxEntries + 2) * 1024 + 64 * 1024 });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return readTar({ bytes: tar, limits: lim }).map(({ path, content }) => {
    let object: KubeObject;
    try {
      object = JSON.parse(decoder.decode(content)) as KubeObject;
    } catch (err) {
      throw new IntegrityError(`bundle layer: "${path}" is not JSON`, { data: { path }, cause: err });
    }
    const expected =
      isRecord(object) && isRecord(object.metadata) && typeof object.metadata.name === 'string'
        ? memberPath(object)
        : undefined;
    if (expected !== path)
      throw new IntegrityError(`bundle layer: "${path}" holds ${expected ?? 'no Kubernetes object'}`, {
        data: { path, expected },
      });
    if (canonicalJson(object) !== decoder.decode(content))
      throw new IntegrityError(`bundle layer: "${path}" is not in canonical form`, { data: { path } });
    return { path, object, digest: sha256(content) };
  });
}

/**
 * Config and members of a bundle artifact, verified against each other: the
 * layer must hold exactly the members the config lists for `target` (a name
 * in `config.targets`), or its top-level members when no target is asked.
 */
export function unpackBundle({
  config,
  layer,
  target,
  limits = {},
}: {
  config: Uint8Array;
  layer: Uint8Array;
  target?: string;
  limits?: Partial<TarLimits>;
}): {
  config: BundleConfig;
  members: UnpackedMember[];
} {
  const cfg = parseBundleConfig({ bytes: config });
  const listedMembers = target === undefined ? cfg.members : cfg.targets?.find((t) => t.name === target)?.members;
  if (!listedMembers)
    throw new IntegrityError(`bundle ${cfg.name}@${cfg.version} has no target ${target}`, { data: { target } });
  const members = unpackLayer({ layer, limits });
  const byPath = new Map(members.map((m) => [m.path, m]));
  const listed = new Set<string>();
  for (const m of listedMembers) {
    const path = memberPath({
      apiVersion: m.apiVersion,
      kind: m.kind,
      metadata: { name: m.name, ...(m.namespace ? { namespace: m.namespace } : {}) },
    });
    listed.add(path);
    const got = byPath.get(path);
    if (!got)
      throw new IntegrityError(`bundle ${cfg.name}@${cfg.version}: member ${path} is missing from the layer`, {
        data: { path },
      });
    if (got.digest !== m.digest)
      throw new IntegrityError(
        `bundle ${cfg.name}@${cfg.version}: member ${path} has digest ${got.digest}, config says ${m.digest}`,
        { data: { path } },
      );
  }
  const extra = members.filter((m) => !listed.has(m.path)).map((m) => m.path);
  if (extra.length > 0)
    throw new IntegrityError(
      `bundle ${cfg.name}@${cfg.version}: layer holds files the config does not list: ${extra.join(', ')}`,
      { data: { paths: extra } },
    );
  return { config: cfg, members };
}
