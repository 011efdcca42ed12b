/**
 * `drover diff B@V1 B@V2 [--target T]`: member and field diff between two
 * versions, read from the registry, with Secret values masked: of one target,
 * or of every target either version has (a version without targets is one
 * variant, compared with each).
 */
import { diffMembers, type MembersDiff } from '../bundle/diff.ts';
import { parseBundleRef } from '../bundle/bundle-ref.ts';
import type { Workspace } from '../workspace/workspace.ts';

export type TargetDiff = MembersDiff & { target?: string };

export async function diffVersions({
  ws,
  from,
  to,
  target,
  signal,
}: {
  ws: Workspace;
  from: string;
  to: string;
  target?: string;
  signal?: AbortSignal;
}): Promise<MembersDiff & { from: string; to: string; targets?: TargetDiff[] }> {
  const a = parseBundleRef(from);
  const b = parseBundleRef(to);
  const va = ws.versions(a.bundle, { signal });
  const vb = ws.versions(b.bundle, { signal });
  const [heads, headsB] = await Promise.all([va.load(a.version), vb.load(b.version)]);
  const names = target ? [target] : [...new Set([...(heads.targets ?? []), ...(headsB.targets ?? [])])];
  if (names.length === 0) return { from, to, ...diffMembers({ before: heads.members, after: headsB.members }) };
  // A version without targets is its one variant for every target; a target one version lacks is empty there.
  const load = async (v: typeof va, version: string, has: readonly string[] | undefined, t: string) =>
    has?.length
      ? has.includes(t)
        ? (await v.load(version, { target: t })).members
        : []
      : (await v.load(version)).members;
  const targets = await Promise.all(
    names.map(async (t) => ({
      target: t,
      ...diffMembers({
        before: await load(va, a.version, heads.targets, t),
        after: await load(vb, b.version, headsB.targets, t),
      }),
    })),
  );
  const first = targets[0]!;
  const { target: _t, ...firstDiff } = first;
  return { from, to, ...firstDiff, targets };
}
