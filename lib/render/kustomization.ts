/**
 * What a kustomization file refers to, read without running Kustomize: the
 * directories (other kustomizations: resources, bases, components) and the
 * files (resources, patches, generator inputs, CRDs, replacements,
 * configurations, the OpenAPI schema, generator and transformer configs...)
 * it loads, each named by the field that holds it (`resources[0]`,
 * `patches[1].path`); which of those are remote (remote-reference.ts: URLs,
 * Git references, a Helm chart repository); the generators that read files
 * (to refuse a secretGenerator over a SOPS-encrypted file); and what Drover
 * refuses outright (a Helm chart inflated by Kustomize). Pure.
 *
 * Every field Kustomize hands to its loader is read here, because any of them
 * can hold a URL: the loader fetches an `https://` file wherever a file is
 * expected, and clones a Git reference wherever a directory is.
 *
 * @example
 *   kustomizationReferences(parse('resources: [../base, github.com/acme/x?ref=v1]\npatches: [{path: replicas.yaml}]'))
 *   // => { entries: [{ field: 'resources[0]', path: '../base' }, { field: 'patches[0].path', path: 'replicas.yaml' }],
 *   //      remote: [{ field: 'resources[1]', path: 'github.com/acme/x?ref=v1', spelling: 'known-host' }], generated: [], refused: [] }
 */
import { type RemoteSpelling, remoteSpelling } from './remote-reference.ts';

/** One reference of a kustomization: the field that holds it and the path (or URL) as written. */
export interface KustomizationEntry {
  /** `resources[0]`, `patches[1].path`, `configMapGenerator[0].files[2]`, `openapi.path`. */
  field: string;
  path: string;
}

export interface KustomizationRefs {
  /** Paths as written, relative to the kustomization's directory: files or directories. */
  entries: KustomizationEntry[];
  /** References spelled remote (a bare host name may still be a local path: the closure decides). */
  remote: (KustomizationEntry & { spelling: RemoteSpelling })[];
  /** Files a secretGenerator or configMapGenerator reads. */
  generated: { kind: 'secretGenerator' | 'configMapGenerator'; name: string; path: string }[];
  /** Why this kustomization cannot be rendered by Drover, if it cannot. */
  refused: string[];
}

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

type Doc = Record<string, unknown>;

const isRecord = (x: unknown): x is Doc => typeof x === 'object' && x !== null && !Array.isArray(x);
/** The string items of a list with their indexes (other items are not references). */
const strings = (v: unknown): [string, number][] =>
  Array.isArray(v) ? v.flatMap((x, i): [string, number][] => (typeof x === 'string' ? [[x, i]] : [])) : [];
const records = (v: unknown): [Doc, number][] =>
  Array.isArray(v) ? v.flatMap((x, i): [Doc, number][] => (isRecord(x) ? [[x, i]] : [])) : [];
/** A generator's `files` entry is `path` or `key=path`. */
const fileOf = (entry: string) => (entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : entry);
/**
 * An inline document where a path may also stand (patchesStrategicMerge, generators, transformers,
 * validators): several lines, or one line of YAML (`{...}`, `key: value`). A URL is neither: `https://`,
 * `git@host:` and `gh:org/repo` have no space after their colon.
 */
const multiline = (x: string) => x.includes('\n');
const oneLineYaml = (x: string) => /^\s*\{/.test(x) || /^[\w.-]+:(\s|$)/.test(x);

/** Collects the references of one kustomization document. */
class Collector {
  readonly refs: KustomizationRefs = { entries: [], remote: [], generated: [], refused: [] };

  /** A reference: remote, or a local path. `also` is checked for remoteness too (a generator's whole `key=path`). */
  add(field: string, path: string, also?: string): void {
    const own = remoteSpelling(path);
    const whole = also === undefined ? undefined : remoteSpelling(also);
    if (own) this.refs.remote.push({ field, path, spelling: own });
    else if (whole) this.refs.remote.push({ field, path: also!, spelling: whole });
    else this.refs.entries.push({ field, path });
  }

  /** A reference that is remote or nothing (a Helm chart repository: a local one is not a file Kustomize loads). */
  addIfRemote(field: string, url: string): void {
    const spelling = remoteSpelling(url);
    if (spelling) this.refs.remote.push({ field, path: url, spelling });
  }

  /** A list whose items are paths or inline documents. */
  addPathsOrInline(field: string, v: unknown): void {
    for (const [x, i] of strings(v)) {
      if (multiline(x) || oneLineYaml(x)) continue;
      // Anything else holding a colon and not remote is no path Kustomize would load either.
      if (remoteSpelling(x) || !x.includes(':')) this.add(`${field}[${i}]`, x);
    }
  }
}

export function kustomizationReferences(doc: unknown): KustomizationRefs {
  const k = isRecord(doc) ? doc : {};
  const c = new Collector();
  for (const field of ['resources', 'bases', 'components', 'crds', 'configurations'] as const)
    for (const [x, i] of strings(k[field])) c.add(`${field}[${i}]`, x);
  for (const field of ['patches', 'patchesJson6902', 'replacements'] as const)
    for (const [p, i] of records(k[field])) if (typeof p.path === 'string') c.add(`${field}[${i}].path`, p.path);
  c.addPathsOrInline('patchesStrategicMerge', k.patchesStrategicMerge);
  if (isRecord(k.openapi) && typeof k.openapi.path === 'string') c.add('openapi.path', k.openapi.path);
  collectGenerators(c, k);
  // Built-in generator and transformer configs are files (or inline); exec and container plugins need flags Drover never passes.
  for (const field of ['generators', 'transformers', 'validators'] as const) c.addPathsOrInline(field, k[field]);
  for (const [h, i] of records(k.helmCharts))
    if (typeof h.repo === 'string') c.addIfRemote(`helmCharts[${i}].repo`, h.repo);
  if (k.helmCharts !== undefined || k.helmGlobals !== undefined)
    c.refs.refused.push(
      'it inflates Helm charts (helmCharts), which Drover does not run inside Kustomize (render the chart with a Helm bundle)',
    );
  return c.refs;
}

/** The files configMapGenerator and secretGenerator entries read (`files`, `envs`, `env`). */
function collectGenerators(c: Collector, k: Doc): void {
  for (const kind of ['secretGenerator', 'configMapGenerator'] as const) {
    for (const [g, gi] of records(k[kind])) {
      const name = typeof g.name === 'string' ? g.name : '?';
      const at = `${kind}[${gi}]`;
      const files: [string, string, string][] = [
        ...strings(g.files).map(([x, i]): [string, string, string] => [`${at}.files[${i}]`, fileOf(x), x]),
        ...strings(g.envs).map(([x, i]): [string, string, string] => [`${at}.envs[${i}]`, x, x]),
        ...(typeof g.env === 'string' ? [[`${at}.env`, g.env, g.env] as [string, string, string]] : []),
      ];
      for (const [field, path, whole] of files) {
        const before = c.refs.entries.length;
        c.add(field, path, whole);
        if (c.refs.entries.length > before) c.refs.generated.push({ kind, name, path });
      }
    }
  }
}
