/**
 * Bundle documents: recognised among the loaded YAML (`kind: Bundle`,
 * `apiVersion: drover.dev/...`), validated against schemas/bundle.schema.json
 * and returned with defaults filled in. They describe bundles and are never
 * members themselves.
 *
 * @example
 *   const { bundles, objects } = splitBundleDocuments({ objects: loadObjects({ files }) });
 *   bundles[0].spec.versioning.bump // => 'patch'
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import schema from '../../schemas/bundle.schema.json' with { type: 'json' };
import { InvalidInputError } from '../errors/errors.ts';
import { groupOf, type KubeObject } from '../object/ref.ts';
import { checkPathPattern } from './path-filter.ts';
import type { LoadedObject } from '../object/yaml.ts';
import type { BundlePolicy } from './policy.ts';
import type { ObjectSelector } from './selector.ts';

export const BUNDLE_API_VERSION = 'drover.dev/v1alpha1';
export const BUNDLE_GROUP = 'drover.dev';

export type Bump = 'patch' | 'minor' | 'major';
export type LintSeverity = 'off' | 'warning' | 'error';

export interface RootRef {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** One patch of a plain-YAML target: RFC 7386 (`merge`) or RFC 6902 (`json`), on the one member `target` selects. */
export interface TargetPatch {
  target: ObjectSelector;
  merge?: Record<string, unknown>;
  json?: { op: string; path: string; [k: string]: unknown }[];
}

/** A variant of the bundle: `dev`, `prod`, or one cluster's `prod/c3`. */
export interface TargetSpec {
  name: string;
  /** kustomize: its kustomization directory. */
  path?: string;
  /** plain YAML: patches on the discovered members. */
  patches?: TargetPatch[];
  /** helm: values files, after spec.helm.values. */
  values?: string[];
  /** helm: `--set-json` values, after spec.helm.set. */
  set?: Record<string, unknown>;
}

/** What a Helm bundle renders: a chart of the repository and the values every target shares. */
export interface HelmSpec {
  chart: string;
  releaseName: string;
  /** `.Release.Namespace`: spec.helm.namespace, else spec.namespace, else Helm's `default`. */
  namespace: string;
  /** Whether spec.helm.namespace or spec.namespace gave it: only then does a member rendered without a namespace take it. */
  namespaceGiven: boolean;
  values: string[];
  set: Record<string, unknown>;
  /** Resources annotated helm.sh/hook: refused, applied as plain members, or left out. */
  hooks: 'refuse' | 'apply' | 'skip';
  allowRemote: boolean;
}

/** A Bundle document's spec with every default filled in. */
export interface BundleSpec {
  /** Empty for a kustomize bundle that takes every rendered object. */
  roots: RootRef[];
  /** Rendered by `kustomize build` (each target its directory); with neither renderer, plain YAML. */
  kustomize?: { path?: string; allowRemote: boolean };
  /** Rendered by `helm template` (each target its values). */
  helm?: HelmSpec;
  /** The declared targets; absent: one variant for every environment. */
  targets?: TargetSpec[];
  namespace?: string;
  include: ObjectSelector[];
  exclude: ObjectSelector[];
  shared: ObjectSelector[];
  /** Existing objects, in no bundle's inventory, this bundle may take over. */
  adopt: ObjectSelector[];
  /** A target may render no objects (a release of it removes what the bundle owned). */
  allowEmpty: boolean;
  /** A release creates a member's namespace when it does not exist. */
  createNamespace: boolean;
  versioning: { bump: Bump };
  lint: Record<string, LintSeverity>;
  allowPlaintextSecrets: boolean;
  recreateOnImmutableChange: boolean;
  prune: BundlePolicy['prune'];
  /** Globs relative to the repository root that scope discovery (and parse failures) to these files; absent: the whole source. */
  paths?: string[];
}

export interface BundleDocument {
  name: string;
  /** The file the document was read from, and where in it. */
  file: string;
  line: number;
  spec: BundleSpec;
}

/**
 * The namespace a namespaced member written without one takes: spec.namespace,
 * or for a Helm bundle its release namespace when the document gives one
 * (`helm install` puts such objects there too). Helm's implicit `default` is
 * never given to a member: with nothing given, the member has no namespace
 * and the cut refuses it (lib/bundle/member-namespaces.ts).
 *
 * @example
 *   memberNamespaceOf(validateBundleDocument({ object, file }).spec) // => 'shop' (spec.helm.namespace: shop)
 */
export function memberNamespaceOf(spec: Pick<BundleSpec, 'namespace' | 'helm'>): string | undefined {
  return spec.namespace ?? (spec.helm?.namespaceGiven ? spec.helm.namespace : undefined);
}

/** One schema violation: a dotted JSON path (`spec.roots[0].name`) and what is wrong there. */
export interface BundleProblem {
  path: string;
  message: string;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

/** True for objects in Drover's API group with kind Bundle (whatever their version: an unknown version is then refused by validation). */
export function isBundleDocument(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return obj.kind === 'Bundle' && groupOf(obj.apiVersion) === BUNDLE_GROUP;
}

/** A schema-valid Bundle document, before the rules across its fields and its defaults (a type literal: the schema guard narrows to an index signature, which only a literal may be cast from). */
type RawBundleDocument = {
  metadata: { name: string };
  spec: RawBundleSpec;
};

type RawBundleSpec = Partial<Omit<BundleSpec, 'kustomize' | 'helm'>> & {
  versioning?: { bump?: Bump };
  prune?: Partial<BundleSpec['prune']>;
  kustomize?: { path?: string; allowRemote?: boolean };
  helm?: Partial<HelmSpec> & { chart: string };
};

/** An InvalidInputError naming the document and one JSON path of it. */
type Refuse = (path: string, message: string) => InvalidInputError;

/** Validates one Bundle document and fills in defaults. Throws InvalidInputError naming the file and each JSON path. */
export function validateBundleDocument({
  object,
  file,
  line = 1,
}: {
  object: unknown;
  file: string;
  line?: number;
}): BundleDocument {
  if (!validate(object)) {
    const problems = (validate.errors ?? []).map(toProblem);
    const name = nameOf(object);
    throw new InvalidInputError(
      `${file}:${line}: invalid Bundle${name ? ` "${name}"` : ''}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      { data: { file, line, bundle: name, problems } },
    );
  }
  const doc = object as RawBundleDocument;
  const refuse: Refuse = (path, message) =>
    new InvalidInputError(`${file}:${line}: invalid Bundle "${doc.metadata.name}": ${path}: ${message}`, {
      data: { file, line, bundle: doc.metadata.name, problems: [{ path, message }] },
    });
  checkBundleSpec({ spec: doc.spec, refuse });
  return { name: doc.metadata.name, file, line, spec: assembleBundleSpec({ spec: doc.spec, name: doc.metadata.name }) };
}

/**
 * The rules the schema cannot say: one renderer at most; roots unless
 * rendered; unique target names; each target field only with its renderer
 * (patches for plain YAML, values for helm, a path for kustomize); a
 * kustomization directory for every kustomize target; well-formed path
 * patterns.
 */
function checkBundleSpec({ spec: s, refuse }: { spec: RawBundleSpec; refuse: Refuse }): void {
  if (s.kustomize && s.helm) throw refuse('spec.helm', 'a bundle has one renderer: kustomize or helm, not both');
  const rendered = !!(s.kustomize || s.helm);
  if (!rendered && !(s.roots && s.roots.length > 0))
    throw refuse(
      'spec.roots',
      'is required (only a kustomize or helm bundle may leave it out, to take everything it renders)',
    );
  const checkPattern = (pattern: string, path: string): void => {
    try {
      checkPathPattern(pattern);
    } catch (err) {
      throw refuse(path, (err as Error).message.replace(/^source path filter /, 'path '));
    }
  };
  const names = new Set<string>();
  for (const [i, t] of (s.targets ?? []).entries()) {
    if (names.has(t.name)) throw refuse(`spec.targets[${i}].name`, `target ${t.name} is declared twice`);
    names.add(t.name);
    if (rendered && t.patches)
      throw refuse(
        `spec.targets[${i}].patches`,
        `patches are for plain YAML bundles; with ${s.helm ? 'helm, set values' : 'kustomize, patch in the overlay'}`,
      );
    if (!s.helm && (t.values || t.set))
      throw refuse(
        `spec.targets[${i}].${t.values ? 'values' : 'set'}`,
        'values are for helm bundles: set spec.helm to render a chart',
      );
    if (s.helm && t.path)
      throw refuse(
        `spec.targets[${i}].path`,
        'a path names a kustomization; a helm target gives values (and the chart is spec.helm.chart)',
      );
    if (!s.kustomize && !s.helm && t.path)
      throw refuse(
        `spec.targets[${i}].path`,
        'a path names a kustomization: set spec.kustomize to render with kustomize',
      );
    if (s.kustomize && !t.path && !s.kustomize.path)
      throw refuse(
        `spec.targets[${i}].path`,
        'no kustomization directory: give the target a path, or spec.kustomize.path',
      );
    for (const p of [t.path].filter((x): x is string => x !== undefined)) checkPattern(p, `spec.targets[${i}].path`);
  }
  if (s.kustomize?.path) checkPattern(s.kustomize.path, 'spec.kustomize.path');
  // Values files are resolved (and a path leaving the repository refused) when the bundle renders: one bundle's bad path fails only its own cut.
  if (s.helm) checkPattern(s.helm.chart, 'spec.helm.chart');
  if (s.kustomize && !s.kustomize.path && !s.targets)
    throw refuse('spec.kustomize.path', 'is required when no target names its own kustomization');
  for (const [i, pattern] of (s.paths ?? []).entries()) checkPattern(pattern, `spec.paths[${i}]`);
}

/** A checked spec with every default filled in (a Helm release is named after the bundle unless it says otherwise). */
function assembleBundleSpec({ spec: s, name }: { spec: RawBundleSpec; name: string }): BundleSpec {
  return {
    roots: s.roots ?? [],
    ...(s.kustomize
      ? {
          kustomize: {
            ...(s.kustomize.path ? { path: s.kustomize.path } : {}),
            allowRemote: s.kustomize.allowRemote ?? false,
          },
        }
      : {}),
    ...(s.helm
      ? {
          helm: {
            chart: s.helm.chart,
            releaseName: s.helm.releaseName ?? name,
            namespace: s.helm.namespace ?? s.namespace ?? 'default',
            namespaceGiven: (s.helm.namespace ?? s.namespace) !== undefined,
            values: s.helm.values ?? [],
            set: s.helm.set ?? {},
            hooks: s.helm.hooks ?? 'refuse',
            allowRemote: s.helm.allowRemote ?? false,
          },
        }
      : {}),
    ...(s.targets ? { targets: s.targets } : {}),
    ...(s.namespace === undefined ? {} : { namespace: s.namespace }),
    include: s.include ?? [],
    exclude: s.exclude ?? [],
    shared: s.shared ?? [],
    adopt: s.adopt ?? [],
    allowEmpty: s.allowEmpty ?? false,
    createNamespace: s.createNamespace ?? false,
    versioning: { bump: s.versioning?.bump ?? 'patch' },
    lint: { ...(s.lint ?? {}) },
    allowPlaintextSecrets: s.allowPlaintextSecrets ?? false,
    recreateOnImmutableChange: s.recreateOnImmutableChange ?? false,
    prune: {
      enabled: s.prune?.enabled ?? true,
      protected: s.prune?.protected ?? false,
      propagationPolicy: s.prune?.propagationPolicy ?? 'Background',
    },
    ...(s.paths === undefined ? {} : { paths: s.paths }),
  };
}

/**
 * Separates Bundle documents from the objects that may become members, and
 * validates the Bundle documents. Bundle names are unique because the loader
 * refuses duplicate objects.
 */
export function splitBundleDocuments({ objects }: { objects: readonly LoadedObject[] }): {
  bundles: BundleDocument[];
  objects: LoadedObject[];
} {
  const bundles: BundleDocument[] = [];
  const rest: LoadedObject[] = [];
  for (const o of objects) {
    if (isBundleDocument(o.object))
      bundles.push(validateBundleDocument({ object: o.object, file: o.file, line: o.line }));
    else rest.push(o);
  }
  bundles.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { bundles, objects: rest };
}

/** The part of a bundle's spec the release engine applies by. */
export function policyOf(spec: BundleSpec): BundlePolicy {
  return {
    recreateOnImmutableChange: spec.recreateOnImmutableChange,
    prune: { ...spec.prune },
    adopt: spec.adopt,
    shared: spec.shared,
    allowEmpty: spec.allowEmpty,
    createNamespace: spec.createNamespace,
  };
}

function nameOf(object: unknown): string | undefined {
  const name = (object as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof name === 'string' ? name : undefined;
}

function toProblem(e: ErrorObject): BundleProblem {
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  let path = '';
  for (const s of segments) path += /^\d+$/.test(s) ? `[${s}]` : path === '' ? s : `.${s}`;
  const params = e.params as Record<string, unknown>;
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') message = `unknown field "${String(params.additionalProperty)}"`;
  else if (e.keyword === 'enum' && Array.isArray(params.allowedValues))
    message = `must be one of ${params.allowedValues.join(', ')}`;
  else if (e.keyword === 'const') message = `must be ${JSON.stringify(params.allowedValue)}`;
  else if (e.keyword === 'propertyNames' && typeof params.propertyName === 'string')
    message = `unknown key "${params.propertyName}"`;
  return { path: path || '(document)', message };
}
