/**
 * `drover show B@V`: one version as the state index has it: digest, commit,
 * parent, provenance and members, and for a version with targets each
 * target with its member count and whether it changed since the parent
 * (a target whose layer is the parent's blob did not).
 */
import { NotFoundError } from '../errors/errors.ts';
import { getVersion, type VersionRecord } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface TargetSummary {
  name: string;
  members: number;
  layer: string;
  /** True when the parent has no such target or another layer for it. */
  changed: boolean;
}

export type VersionView = VersionRecord & { targets?: TargetSummary[] };

export function showVersion({ ws, bundle, version }: { ws: Workspace; bundle: string; version: string }): VersionView {
  const v = getVersion(ws.db, bundle, version);
  if (!v)
    throw new NotFoundError(`no version ${bundle}@${version} (see drover versions ${bundle})`, {
      data: { bundle, version },
    });
  if (!v.config.targets) return v;
  const parent = v.parent ? getVersion(ws.db, bundle, v.parent) : undefined;
  const before = new Map((parent?.config.targets ?? []).map((t) => [t.name, t.layer]));
  return {
    ...v,
    targets: v.config.targets.map((t) => ({
      name: t.name,
      members: t.members.length,
      layer: t.layer,
      changed: before.get(t.name) !== t.layer,
    })),
  };
}
