/**
 * What a kustomization file refers to, read without running Kustomize: the
 * directories (other kustomizations: resources, bases, components) and the
 * files (resources, patches, generator inputs, CRDs, replacements...) it
 * loads, the remote ones (URLs, git references), the generators that read
 * files (to refuse a secretGenerator over a SOPS-encrypted file), and what
 * Drover refuses outright (a Helm chart inflated by Kustomize). Pure.
 *
 * @example
 *   kustomizationReferences(parse('resources: [../base, extra.yaml]\npatches: [{path: replicas.yaml}]'))
 *   // => { entries: ['../base', 'extra.yaml', 'replicas.yaml'], generated: [], refused: [] }
 */

export interface KustomizationRefs {
  /** Paths as written, relative to the kustomization's directory: files or directories. */
  entries: string[];
  /** Files a secretGenerator or configMapGenerator reads. */
  generated: { kind: 'secretGenerator' | 'configMapGenerator'; name: string; path: string }[];
  /** Why this kustomization cannot be rendered by Drover, if it cannot. */
  refused: string[];
}

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** A reference Kustomize would fetch from the network rather than read from the repository. */
export function isRemote(entry: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
    /^git@/.test(entry) ||
    /^(github|gitlab|bitbucket)\.(com|org)\//.test(entry) ||
    /[?&]ref=/.test(entry) ||
    /\.git(\/\/|$)/.test(entry)
  );
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const records = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v)
    ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x))
    : [];
/** A generator's `files` entry is `path` or `key=path`. */
const fileOf = (entry: string) => (entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : entry);

export function kustomizationReferences(doc: unknown): KustomizationRefs {
  const k = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  const entries: string[] = [
    ...strings(k.resources),
    ...strings(k.bases),
    ...strings(k.components),
    ...strings(k.crds),
  ];
  for (const p of records(k.patches)) if (typeof p.path === 'string') entries.push(p.path);
  // patchesStrategicMerge entries are file paths or inline patches; inline ones hold a newline or a colon.
  for (const p of strings(k.patchesStrategicMerge)) if (!/[\n:]/.test(p)) entries.push(p);
  for (const p of records(k.patchesJson6902)) if (typeof p.path === 'string') entries.push(p.path);
  for (const p of records(k.replacements)) if (typeof p.path === 'string') entries.push(p.path);
  const openapi = k.openapi as { path?: unknown } | undefined;
  if (typeof openapi?.path === 'string') entries.push(openapi.path);
  const generated: KustomizationRefs['generated'] = [];
  for (const kind of ['secretGenerator', 'configMapGenerator'] as const) {
    for (const g of records(k[kind])) {
      const name = typeof g.name === 'string' ? g.name : '?';
      for (const f of [
        ...strings(g.files).map(fileOf),
        ...strings(g.envs),
        ...(typeof g.env === 'string' ? [g.env] : []),
      ]) {
        generated.push({ kind, name, path: f });
        entries.push(f);
      }
    }
  }
  // Built-in generator and transformer configs are files; exec and container plugins need flags Drover never passes.
  for (const field of ['generators', 'transformers', 'validators'] as const)
    entries.push(...strings(k[field]).filter((x) => !/[\n:]/.test(x)));
  const refused: string[] = [];
  if (k.helmCharts !== undefined || k.helmGlobals !== undefined)
    refused.push(
      'it inflates Helm charts (helmCharts), which Drover does not run inside Kustomize (render the chart with a Helm bundle)',
    );
  return { entries, generated, refused };
}
