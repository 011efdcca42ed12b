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

/** A Bundle document's spec with every default filled in. */
export interface BundleSpec {
  roots: RootRef[];
  namespace?: string;
  include: ObjectSelector[];
  exclude: ObjectSelector[];
  shared: ObjectSelector[];
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

/** Validates one Bundle document and fills in defaults. Throws InvalidInputError naming the file and each JSON path. */
export function validateBundleDocument({ object, file, line = 1 }: { object: unknown; file: string; line?: number }): BundleDocument {
  if (!validate(object)) {
    const problems = (validate.errors ?? []).map(toProblem);
    const name = nameOf(object);
    throw new InvalidInputError(
      `${file}:${line}: invalid Bundle${name ? ` "${name}"` : ''}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      { data: { file, line, bundle: name, problems } },
    );
  }
  const doc = object as { metadata: { name: string }; spec: Partial<BundleSpec> & { roots: RootRef[]; versioning?: { bump?: Bump }; prune?: Partial<BundleSpec['prune']> } };
  const s = doc.spec;
  for (const [i, pattern] of (s.paths ?? []).entries()) {
    try {
      checkPathPattern(pattern);
    } catch (err) {
      const message = (err as Error).message.replace(/^source path filter /, 'path ');
      throw new InvalidInputError(`${file}:${line}: invalid Bundle "${doc.metadata.name}": spec.paths[${i}]: ${message}`, {
        data: { file, line, bundle: doc.metadata.name, problems: [{ path: `spec.paths[${i}]`, message }] },
      });
    }
  }
  return {
    name: doc.metadata.name,
    file,
    line,
    spec: {
      roots: s.roots,
      ...(s.namespace === undefined ? {} : { namespace: s.namespace }),
      include: s.include ?? [],
      exclude: s.exclude ?? [],
      shared: s.shared ?? [],
      versioning: { bump: s.versioning?.bump ?? 'patch' },
      lint: { ...(s.lint ?? {}) },
      allowPlaintextSecrets: s.allowPlaintextSecrets ?? false,
      recreateOnImmutableChange: s.recreateOnImmutableChange ?? false,
      prune: { enabled: s.prune?.enabled ?? true, protected: s.prune?.protected ?? false, propagationPolicy: s.prune?.propagationPolicy ?? 'Background' },
      ...(s.paths === undefined ? {} : { paths: s.paths }),
    },
  };
}

/**
 * Separates Bundle documents from the objects that may become members, and
 * validates the Bundle documents. Bundle names are unique because the loader
 * refuses duplicate objects.
 */
export function splitBundleDocuments({ objects }: { objects: readonly LoadedObject[] }): { bundles: BundleDocument[]; objects: LoadedObject[] } {
  const bundles: BundleDocument[] = [];
  const rest: LoadedObject[] = [];
  for (const o of objects) {
    if (isBundleDocument(o.object)) bundles.push(validateBundleDocument({ object: o.object, file: o.file, line: o.line }));
    else rest.push(o);
  }
  bundles.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { bundles, objects: rest };
}

/** The part of a bundle's spec the release engine applies by. */
export function policyOf(spec: BundleSpec): BundlePolicy {
  return { recreateOnImmutableChange: spec.recreateOnImmutableChange, prune: { ...spec.prune } };
}

function nameOf(object: unknown): string | undefined {
  const name = (object as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof name === 'string' ? name : undefined;
}

function toProblem(e: ErrorObject): BundleProblem {
  const segments = e.instancePath.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  let path = '';
  for (const s of segments) path += /^\d+$/.test(s) ? `[${s}]` : path === '' ? s : `.${s}`;
  const params = e.params as Record<string, unknown>;
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') message = `unknown field "${String(params.additionalProperty)}"`;
  else if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) message = `must be one of ${params.allowedValues.join(', ')}`;
  else if (e.keyword === 'const') message = `must be ${JSON.stringify(params.allowedValue)}`;
  else if (e.keyword === 'propertyNames' && typeof params.propertyName === 'string') message = `unknown key "${params.propertyName}"`;
  return { path: path || '(document)', message };
}
