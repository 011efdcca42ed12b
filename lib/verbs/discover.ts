/**
 * `drover discover [--bundle B]`: each bundle at its source's head and its
 * members, each with the reference that pulled it in (via, from), and the
 * references to objects that are not in the repository.
 */
import { formatRef } from '../object/ref.ts';
import { discoverAtHead } from '../workspace/discover-at-head.ts';
import type { Workspace } from '../workspace/workspace.ts';

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
        unresolved: b.unresolved.map((u) => ({ from: formatRef(u.from), via: u.via, ref: formatRef(u.target), target: u.target })),
      })),
  );
}
