/**
 * The input closure of one Helm target: the chart directory (with its
 * vendored dependencies under charts/, without the values files only other
 * targets read) and the target's values files, all read from the repository
 * at the commit. What it gives: the files to copy
 * into the render's sandbox (nothing else of the repository is there), the
 * cache key of the render (a hash of the files' blob ids and the values
 * order), and refusals, each naming the file and why:
 *
 * - a chart or values file that leaves the repository (`..`, an absolute
 *   path, a URL; a symlink out of it is refused when it is read);
 * - a values file that is missing, or SOPS-encrypted (rendering it would put
 *   its plaintext into the version);
 * - a dependency of Chart.yaml (or requirements.yaml) that is not vendored in
 *   charts/ and comes from a remote repository, which `helm dependency build`
 *   would fetch (reason `remote`, unless drover.yaml's render.allowRemote and
 *   the bundle both allow it), from a `file://` directory outside the
 *   repository, or from no repository; or whose vendored version is not the
 *   one Chart.lock pins;
 * - a template that calls `lookup`: `helm template` has no cluster, so it
 *   renders empty, silently (argo-cd #5202), in the chart or any subchart,
 *   vendored as a directory or a .tgz.
 *
 * Reading is the caller's: `read(dir)` returns the files under a repository
 * directory (recursively, binary ones as bytes).
 *
 * @example
 *   const c = await resolveHelmClosure({ chart: 'charts/web', values: ['charts/web/values-prod.yaml'], read });
 *   c.values // => ['charts/web/values-prod.yaml']
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { parse } from 'yaml';
import { gunzipBounded } from '../bundle/gzip.ts';
import { readTar } from '../bundle/tar.ts';
import { InvalidInputError } from '../errors/errors.ts';
import { remoteRefusal, type RemotePolicy } from './remote-policy.ts';
import { helmRepositoryKind } from './remote-reference.ts';
import type { ReadRepo, RepoFile } from './renderer.ts';

export interface HelmClosure {
  chart: string;
  /** Every repository file the render reads, sorted by path. */
  files: RepoFile[];
  /** The values files, in the order Helm reads them. */
  values: string[];
  /** Dependencies `helm dependency build` must bring into charts/: from file:// directories of the closure, or, when allowed, from remote repositories. */
  fetch: string[];
  /** Whether `helm dependency build` needs the network (a remote repository allowed by drover.yaml and the bundle). */
  network: 'none' | 'remote';
  /** sha256 of the chart path, the values order and every file's path and blob id. */
  digest: string;
}

interface Dependency {
  name: string;
  version?: string;
  repository?: string;
}

const ENCRYPTED = /\bENC\[AES256_GCM,|^sops:\s*$/m;
const MAX_SUBCHART_ARCHIVE_BYTES = 64 << 20;

/** A repository path for `p`, or undefined when it leaves the repository. */
function inside(p: string): string | undefined {
  if (posix.isAbsolute(p) || /^[a-z][a-z0-9+.-]*:/i.test(p)) return undefined;
  const n = posix.normalize(p).replace(/\/$/, '');
  return n === '..' || n.startsWith('../') || n === '.' ? undefined : n;
}

function parseYaml(f: RepoFile): unknown {
  try {
    return parse(f.text, { maxAliasCount: 100 });
  } catch (err) {
    throw new InvalidInputError(`${f.path}: malformed YAML: ${(err as Error).message.split('\n')[0]}`, {
      data: { file: f.path, reason: 'malformed' },
    });
  }
}

function dependenciesOf(doc: unknown): Dependency[] {
  const deps = (doc as { dependencies?: unknown } | null)?.dependencies;
  if (!Array.isArray(deps)) return [];
  return deps.filter((d): d is Dependency => !!d && typeof (d as Dependency).name === 'string');
}

/** Lines of `text` where a template action calls `lookup` (comments and string literals left out). */
export function lookupCalls(text: string): number[] {
  const lines: number[] = [];
  for (const m of text.matchAll(/\{\{(?!-?\s*\/\*)([\s\S]*?)\}\}/g)) {
    const action = m[1]!.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, '""');
    if (/(?<![\w.$])lookup\b/.test(action)) lines.push(text.slice(0, m.index).split('\n').length);
  }
  return lines;
}

/** Template files of a chart directory and the charts vendored under it (directories and .tgz archives), as [where, text]. */
function templatesOf(chart: string, files: readonly RepoFile[]): [string, string][] {
  const out: [string, string][] = [];
  for (const f of files) {
    const rel = f.path.slice(chart.length + 1);
    if (/(^|\/)templates\//.test(rel) && f.bytes === undefined) out.push([f.path, f.text]);
    if (/^charts\/(.+\/charts\/)?[^/]+\.tgz$/.test(rel)) {
      let entries;
      try {
        entries = readTar({
          bytes: gunzipBounded({
            bytes: f.bytes ?? new TextEncoder().encode(f.text),
            maxBytes: MAX_SUBCHART_ARCHIVE_BYTES,
          }),
        });
      } catch (err) {
        throw new InvalidInputError(`${f.path}: cannot read the vendored chart: ${(err as Error).message}`, {
          data: { file: f.path, reason: 'bad-archive' },
        });
      }
      for (const e of entries)
        if (/(^|\/)templates\//.test(e.path)) out.push([`${f.path}:${e.path}`, new TextDecoder().decode(e.content)]);
    }
  }
  return out;
}

/** Nothing remote: what a render gets when no policy is handed in. */
const NO_REMOTE: RemotePolicy = { operator: 'never', bundle: false, bundleSetting: 'spec.helm.allowRemote' };

export async function resolveHelmClosure({
  chart: chartPath,
  values,
  others = [],
  read,
  remote = NO_REMOTE,
}: {
  chart: string;
  values: readonly string[];
  /** Values files other targets read: left out of this target's copy of the chart, so its render (and cache key) does not depend on them. */
  others?: readonly string[];
  read: ReadRepo;
  /** Whether dependencies may be fetched from remote repositories (drover.yaml's render.allowRemote and the bundle's opt-in). */
  remote?: RemotePolicy;
}): Promise<HelmClosure> {
  const chart = inside(chartPath);
  if (!chart)
    throw new InvalidInputError(`chart ${JSON.stringify(chartPath)} leaves the repository`, {
      data: { file: chartPath, reason: 'path-escape' },
    });
  const mine = new Set(values.map((v) => inside(v)));
  const theirs = new Set(others.map((v) => inside(v)).filter((v) => !mine.has(v)));
  const chartFiles = (await read(chart)).filter((f) => !theirs.has(f.path));
  const chartYaml = chartFiles.find((f) => f.path === `${chart}/Chart.yaml`);
  if (!chartYaml)
    throw new InvalidInputError(`${chart}: no Chart.yaml: not a chart directory of the repository`, {
      data: { file: chart, reason: 'no-chart' },
    });
  const files = new Map(chartFiles.map((f) => [f.path, f]));
  const { fetch, local, remoteFetch } = assembleDependencyFetch({ chart, chartYaml, chartFiles, files, remote });
  for (const dir of local) {
    const dep = await read(dir);
    if (!dep.some((f) => f.path === `${dir}/Chart.yaml`))
      throw new InvalidInputError(`${chartYaml.path}: a dependency's file:// repository ${dir} is no chart directory`, {
        data: { file: chartYaml.path, entry: dir, reason: 'missing' },
      });
    refuseLookupCalls({ chart: dir, chartFiles: dep });
    for (const f of dep) files.set(f.path, f);
  }
  refuseLookupCalls({ chart, chartFiles });
  const ordered = await readValuesFiles({ values, files, read });
  return {
    ...assembleHelmClosure({ chart, files: [...files.values()], values: ordered, fetch }),
    network: remoteFetch ? 'remote' : 'none',
  };
}

/**
 * The dependencies of Chart.yaml (and requirements.yaml) a render must
 * fetch: each must be vendored in charts/ (a directory with its Chart.yaml,
 * or name-version.tgz) at the version Chart.lock pins; or come from a
 * `file://` repository inside the repository (`local`: its directory joins
 * the closure, and `helm dependency build` copies it, with no network); or
 * come from a remote repository (`https://`, `oci://`, `@name`...), refused
 * with reason `remote` unless drover.yaml's render.allowRemote and the
 * bundle both allow it. Anything else is refused.
 */
function assembleDependencyFetch({
  chart,
  chartYaml,
  chartFiles,
  files,
  remote,
}: {
  chart: string;
  chartYaml: RepoFile;
  chartFiles: readonly RepoFile[];
  files: ReadonlyMap<string, RepoFile>;
  remote: RemotePolicy;
}): { fetch: string[]; local: string[]; remoteFetch: boolean } {
  const requirements = files.get(`${chart}/requirements.yaml`);
  const deps = [
    ...dependenciesOf(parseYaml(chartYaml)),
    ...(requirements ? dependenciesOf(parseYaml(requirements)) : []),
  ];
  const lockFile = files.get(`${chart}/Chart.lock`) ?? files.get(`${chart}/requirements.lock`);
  const locked = new Map(lockFile ? dependenciesOf(parseYaml(lockFile)).map((d) => [d.name, d.version]) : []);
  const fetch: string[] = [];
  const local: string[] = [];
  for (const [i, d] of deps.entries()) {
    const dir = files.has(`${chart}/charts/${d.name}/Chart.yaml`);
    const archives = chartFiles
      .map((f) => f.path.slice(`${chart}/charts/`.length))
      .filter((p) => !p.includes('/') && p.startsWith(`${d.name}-`) && p.endsWith('.tgz'));
    const pinned = locked.get(d.name);
    if (!dir && archives.length === 0) {
      const fetched = unvendoredDependency({ chart, chartYaml, dependency: d, index: i, remote });
      fetch.push(d.name);
      if (fetched.local) local.push(fetched.local);
      continue;
    }
    if (pinned && !dir && !archives.includes(`${d.name}-${pinned}.tgz`)) {
      throw new InvalidInputError(
        `${lockFile!.path}: pins ${d.name} ${pinned}, but ${chart}/charts/ holds ${archives.join(', ')}: run helm dependency build and commit the result`,
        {
          data: { file: lockFile!.path, dependency: d.name, reason: 'dependency-lock' },
        },
      );
    }
  }
  return { fetch, local, remoteFetch: fetch.length > local.length };
}

/**
 * A dependency not vendored in charts/: the chart directory a `file://`
 * repository inside the repository names, or nothing when the policy lets a
 * remote repository be fetched; otherwise the refusal.
 */
function unvendoredDependency({
  chart,
  chartYaml,
  dependency: d,
  index,
  remote,
}: {
  chart: string;
  chartYaml: RepoFile;
  dependency: Dependency;
  index: number;
  remote: RemotePolicy;
}): { local?: string } {
  const kind = helmRepositoryKind(d.repository);
  const named = `dependency ${d.name}${d.version ? ` ${d.version}` : ''}${d.repository ? ` (${d.repository})` : ''} is not vendored in ${chart}/charts/`;
  const vendor = `run helm dependency build and commit ${chart}/charts/`;
  if (kind === 'local') {
    const dir = inside(posix.join(chart, d.repository!.trim().replace(/^file:\/\//i, '')));
    if (!dir || posix.isAbsolute(d.repository!.trim().replace(/^file:\/\//i, '')))
      throw new InvalidInputError(
        `${chartYaml.path}: dependencies[${index}].repository ${d.repository} leaves the repository: ${named} (${vendor})`,
        {
          data: {
            file: chartYaml.path,
            dependency: d.name,
            field: `dependencies[${index}].repository`,
            reason: 'path-escape',
          },
        },
      );
    return { local: dir };
  }
  if (kind === 'remote') {
    const refused = remoteRefusal({
      policy: remote,
      spelling: 'helm-repository',
      field: `dependencies[${index}].repository`,
      ref: d.repository!,
      where: chartYaml.path,
      hint: `: ${named}, so helm would fetch it at render time (${vendor})`,
    });
    if (refused) throw new InvalidInputError(refused.message, { data: { ...refused.data, dependency: d.name } });
    return {};
  }
  throw new InvalidInputError(
    `${chartYaml.path}: ${named} and names no repository: helm cannot render it (${vendor})`,
    {
      data: { file: chartYaml.path, dependency: d.name, reason: 'dependency-fetch' },
    },
  );
}

/** Refuses a template of the chart or of a vendored subchart that calls `lookup`, naming its first such line. */
function refuseLookupCalls({ chart, chartFiles }: { chart: string; chartFiles: readonly RepoFile[] }): void {
  for (const [where, text] of templatesOf(chart, chartFiles)) {
    const lines = lookupCalls(text);
    if (lines.length > 0) {
      throw new InvalidInputError(
        `${where}:${lines[0]}: calls lookup, which reads a live cluster: helm template has none, so it would render as if nothing existed (render at cut, apply later); compute the value in values instead`,
        {
          data: { file: where.split(':')[0], template: where, line: lines[0], reason: 'lookup' },
        },
      );
    }
  }
}

/**
 * The target's values files, in Helm's order, each added to `files` (read
 * from the chart's files or else from the repository); one that leaves the
 * repository, is missing, binary or SOPS-encrypted is refused.
 */
async function readValuesFiles({
  values,
  files,
  read,
}: {
  values: readonly string[];
  files: Map<string, RepoFile>;
  read: ReadRepo;
}): Promise<string[]> {
  const ordered: string[] = [];
  for (const v of values) {
    const p = inside(v);
    if (!p)
      throw new InvalidInputError(`values file ${JSON.stringify(v)} leaves the repository`, {
        data: { file: v, reason: 'path-escape' },
      });
    const dir = posix.dirname(p);
    const f = files.get(p) ?? (await read(dir === '.' ? '' : dir)).find((x) => x.path === p);
    if (!f)
      throw new InvalidInputError(`values file ${p} is not in the repository`, {
        data: { file: p, reason: 'missing' },
      });
    if (f.bytes !== undefined)
      throw new InvalidInputError(`values file ${p} is not UTF-8 text`, { data: { file: p, reason: 'binary' } });
    if (ENCRYPTED.test(f.text))
      throw new InvalidInputError(
        `values file ${p} is SOPS-encrypted: rendering it would put its plaintext into the version (ship Secrets as encrypted manifests instead)`,
        { data: { file: p, reason: 'sops-values' } },
      );
    files.set(p, f);
    ordered.push(p);
  }
  return ordered;
}

/** The closure: its files sorted by path, and the digest over the chart path, the values order, the files and the fetches. */
function assembleHelmClosure({
  chart,
  files,
  values,
  fetch,
}: {
  chart: string;
  files: RepoFile[];
  values: string[];
  fetch: string[];
}): Omit<HelmClosure, 'network'> {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const hash = createHash('sha256').update(`chart ${chart}\n`);
  for (const v of values) hash.update(`values ${v}\n`);
  for (const f of sorted) hash.update(`${f.path}\0${f.oid}\n`);
  for (const d of fetch) hash.update(`fetch ${d}\n`);
  return { chart, files: sorted, values, fetch, digest: `sha256:${hash.digest('hex')}` };
}
