/**
 * `drover discover [--bundle B]`: each bundle at its source's head and its
 * members, each with the reference that pulled it in (via, from), and the
 * references to objects that are not in the repository. A rendered bundle
 * (kustomize, helm) is listed once per target, since each target renders its
 * own members; one whose render fails is listed with the error.
 */
import { formatRef } from '../object/ref.ts';
import { discoverAtHead } from '../repo/discover-at-head.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface DiscoveredView {
  bundle: string;
  source: string;
  /** The target these members are of (rendered bundles with targets). */
  target?: string;
  /** The renderer (`kustomize`, `helm`); absent for plain YAML. */
  renderer?: string;
  members: { ref: string; file: string; via: string; from?: string; digest: string }[];
  /** References to objects not in the repository; `ref` names the target as `Kind/namespace/name`. */
  unresolved: {
    from: string;
    via: string;
    ref: string;
    target: { group: string | undefined; kind: string; namespace: string; name: string };
  }[];
  /** Why the bundle's members could not be read (a refused render); members are then empty. */
  error?: { code: string; message: string };
}

export async function discoverView({
  ws,
  bundle,
  signal,
}: {
  ws: Workspace;
  bundle?: string;
  signal?: AbortSignal;
}): Promise<DiscoveredView[]> {
  const all = await discoverAtHead({
    ws,
    ...(bundle ? { bundle } : {}),
    signal,
  });
  return all.flatMap((s) =>
    s.bundles.flatMap((b): DiscoveredView[] => {
      const base = { bundle: b.bundle.name, source: s.source, ...(b.renderer ? { renderer: b.renderer.name } : {}) };
      if (b.error || !b.targets)
        return [
          {
            ...base,
            members: [],
            unresolved: [],
            error: { code: b.error?.code ?? 'internal', message: b.error?.message ?? 'no members' },
          },
        ];
      // Plain targets share their members (patches change content, not membership): list them once.
      const targets = b.renderer ? b.targets : b.targets.slice(0, 1);
      return targets.map((t) => ({
        ...base,
        ...(b.renderer && t.name ? { target: t.name } : {}),
        members: t.members.map((m) => ({
          ref: formatRef(m.ref),
          file: m.file,
          via: m.why.via,
          ...(m.why.from ? { from: formatRef(m.why.from) } : {}),
          digest: m.digest,
        })),
        unresolved: t.unresolved.map((u) => ({
          from: formatRef(u.from),
          via: u.via,
          ref: formatRef(u.target),
          target: u.target,
        })),
      }));
    }),
  );
}
