/**
 * `drover versions B`: a bundle's versions, newest (highest semver) first,
 * each with its digest, commit, parent and when it was cut; the config
 * (members, provenance) is what `show` is for.
 */
import { NotFoundError } from '../errors/errors.ts';
import { listVersions, type VersionRecord } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';

export type VersionSummary = Omit<VersionRecord, 'config'>;

export function listBundleVersions({
  ws,
  bundle,
  known = false,
}: {
  ws: Workspace;
  bundle: string;
  known?: boolean;
}): VersionSummary[] {
  const versions = listVersions(ws.db, bundle).map(({ config: _c, ...v }) => v);
  // The API answers 404 for a bundle it does not know; the CLI lists nothing.
  if (known && versions.length === 0) throw new NotFoundError(`no bundle named ${bundle}`, { data: { bundle } });
  return versions;
}
