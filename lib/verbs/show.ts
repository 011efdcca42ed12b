/**
 * `drover show B@V`: one version as the state index has it: digest, commit,
 * parent, provenance and members.
 */
import { NotFoundError } from '../errors/errors.ts';
import { getVersion, type VersionRecord } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';

export function showVersion({ ws, bundle, version }: { ws: Workspace; bundle: string; version: string }): VersionRecord {
  const v = getVersion(ws.db, bundle, version);
  if (!v) throw new NotFoundError(`no version ${bundle}@${version} (see drover versions ${bundle})`, { data: { bundle, version } });
  return v;
}
