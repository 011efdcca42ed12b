/**
 * `drover diff B@V1 B@V2`: member and field diff between two versions, read
 * from the registry, with Secret values masked.
 */
import { diffMembers, type MembersDiff } from '../bundle/diff.ts';
import { UsageError } from '../errors/errors.ts';
import { loadVersionContent } from './version-content.ts';
import type { Workspace } from './workspace.ts';

/** Parses `bundle@version`. */
export function parseBundleRef(text: string): { bundle: string; version: string } {
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) throw new UsageError(`expected BUNDLE@VERSION, got ${JSON.stringify(text)}`);
  return { bundle: text.slice(0, at), version: text.slice(at + 1) };
}

export async function diffVersions({ ws, from, to, signal }: { ws: Workspace; from: string; to: string; signal?: AbortSignal }): Promise<MembersDiff & { from: string; to: string }> {
  const a = parseBundleRef(from);
  const b = parseBundleRef(to);
  const [before, after] = await Promise.all([
    loadVersionContent({ store: ws.stores.open(a.bundle), bundle: a.bundle, reference: a.version, ...(signal ? { signal } : {}) }),
    loadVersionContent({ store: ws.stores.open(b.bundle), bundle: b.bundle, reference: b.version, ...(signal ? { signal } : {}) }),
  ]);
  return { from, to, ...diffMembers({ before: before.members, after: after.members }) };
}
