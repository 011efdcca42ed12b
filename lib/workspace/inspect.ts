/**
 * `drover discover`, `drover lint` and `drover show`: read-only views. The
 * first two read each source's head and discover bundles exactly as `cut`
 * does; `show` reads one version from the state index.
 */
import { discoverBundles, type BundleMembers } from '../bundle/discover.ts';
import { runLint } from '../bundle/lint/index.ts';
import { NotFoundError } from '../errors/errors.ts';
import { formatRef } from '../object/ref.ts';
import { loadObjects } from '../object/yaml.ts';
import { isManifestPath } from '../source/index.ts';
import { getVersion, type VersionRecord } from '../state/versions.ts';
import { openConfiguredSource } from './source.ts';
import type { Workspace } from './workspace.ts';

/** Discovery at each source's head. */
export async function discoverAtHead({ ws, env = {}, signal }: { ws: Workspace; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<{ source: string; head: string; bundles: BundleMembers[] }[]> {
  const out = [];
  for (const sc of ws.config.sources) {
    const source = await openConfiguredSource({ ws, sc, env, ...(signal ? { signal } : {}) });
    const { head } = await source.sync({ ...(signal ? { signal } : {}) });
    const files = await source.readFiles({ commit: head, filter: isManifestPath, ...(signal ? { signal } : {}) });
    out.push({ source: sc.name, head, bundles: discoverBundles({ objects: loadObjects({ files: files.map((f) => ({ path: f.path, text: f.text })) }) }).bundles });
  }
  return out;
}

export interface DiscoveredView {
  bundle: string;
  source: string;
  members: { ref: string; file: string; via: string; from?: string; digest: string }[];
  /** References to objects not in the repository; `ref` names the target as `Kind/namespace/name`. */
  unresolved: { from: string; via: string; ref: string; target: { group: string | undefined; kind: string; namespace: string; name: string } }[];
}

export async function discoverView({ ws, bundle, env, signal }: { ws: Workspace; bundle?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<DiscoveredView[]> {
  const all = await discoverAtHead({ ws, ...(env ? { env } : {}), ...(signal ? { signal } : {}) });
  return all.flatMap((s) =>
    s.bundles
      .filter((b) => !bundle || b.bundle.name === bundle)
      .map((b) => ({
        bundle: b.bundle.name,
        source: s.source,
        members: b.members.map((m) => ({ ref: formatRef(m.ref), file: m.file, via: m.why.via, ...(m.why.from ? { from: formatRef(m.why.from) } : {}), digest: m.digest })),
        unresolved: b.unresolved.map((u) => ({ from: formatRef(u.from), via: u.via, ref: formatRef({ ...u.target, group: u.target.group ?? '' }), target: u.target })),
      })),
  );
}

export async function lintView({ ws, bundle, env, signal }: { ws: Workspace; bundle?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal }) {
  const all = await discoverAtHead({ ws, ...(env ? { env } : {}), ...(signal ? { signal } : {}) });
  return all.flatMap((s) =>
    s.bundles
      .filter((b) => !bundle || b.bundle.name === bundle)
      .flatMap((b) => runLint({ objects: b.members.map((m) => m.object), unresolved: b.unresolved, exclude: b.bundle.spec.exclude, severities: b.bundle.spec.lint }).map((f) => ({ bundle: b.bundle.name, rule: f.rule, severity: f.severity, ref: formatRef(f.ref), message: f.message }))),
  );
}

export function showVersion({ ws, bundle, version }: { ws: Workspace; bundle: string; version: string }): VersionRecord {
  const v = getVersion(ws.db, bundle, version);
  if (!v) throw new NotFoundError(`no version ${bundle}@${version} (see drover versions ${bundle})`, { data: { bundle, version } });
  return v;
}
