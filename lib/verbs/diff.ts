/**
 * `drover diff B@V1 B@V2`: member and field diff between two versions, read
 * from the registry, with Secret values masked.
 */
import { diffMembers, type MembersDiff } from '../bundle/diff.ts';
import { parseBundleRef } from '../bundle/bundle-ref.ts';
import { bundleVersions } from '../workspace/bundle-versions.ts';
import type { Workspace } from '../workspace/workspace.ts';

export async function diffVersions({ ws, from, to, signal }: { ws: Workspace; from: string; to: string; signal?: AbortSignal }): Promise<MembersDiff & { from: string; to: string }> {
  const a = parseBundleRef(from);
  const b = parseBundleRef(to);
  const [before, after] = await Promise.all([
    bundleVersions({ ws, bundle: a.bundle, ...(signal ? { signal } : {}) }).load(a.version),
    bundleVersions({ ws, bundle: b.bundle, ...(signal ? { signal } : {}) }).load(b.version),
  ]);
  return { from, to, ...diffMembers({ before: before.members, after: after.members }) };
}
