/**
 * The bundles this workspace has cut, each with its source, registry
 * repository, newest version, whether its Bundle document left the source,
 * and what every environment runs whole (and since when); one bundle with its
 * versions and quarantined versions too. What `GET /api/v1/bundles` answers.
 */
import { NotFoundError } from '../errors/errors.ts';
import { listQuarantine, type QuarantineRecord } from '../state/quarantine.ts';
import { environmentRun } from '../release/environment-run.ts';
import { lastReleases } from '../state/releases.ts';
import { latestVersion, listBundles, type BundleRecord } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { listBundleVersions, type VersionSummary } from './versions.ts';

export interface EnvironmentSummary {
  name: string;
  /** The version every cluster of the environment runs whole, or null. */
  runs: string | null;
  healthySince: string | null;
}

export interface BundleView extends BundleRecord {
  latest: string | null;
  environments: EnvironmentSummary[];
}

export interface BundleDetail extends BundleView {
  versions: VersionSummary[];
  quarantine: QuarantineRecord[];
}

/** What each environment runs of `bundle`, from the journal. */
export function environmentSummaries(ws: Workspace, bundle: string): EnvironmentSummary[] {
  return ws.config.environments.map((e) => {
    const s = environmentRun(lastReleases(ws.db, { bundle, clusters: e.clusters }));
    return {
      name: e.name,
      runs: s.runs ?? null,
      healthySince: s.healthySinceMs !== undefined ? new Date(s.healthySinceMs).toISOString() : null,
    };
  });
}

const viewOf = (ws: Workspace, b: BundleRecord): BundleView => ({
  ...b,
  latest: latestVersion(ws.db, b.name)?.version ?? null,
  environments: environmentSummaries(ws, b.name),
});

export function listBundleViews({ ws }: { ws: Workspace }): BundleView[] {
  return listBundles(ws.db).map((b) => viewOf(ws, b));
}

export function bundleDetail({ ws, bundle }: { ws: Workspace; bundle: string }): BundleDetail {
  const b = listBundles(ws.db).find((x) => x.name === bundle);
  if (!b) throw new NotFoundError(`no bundle named ${bundle}`, { data: { bundle } });
  return { ...viewOf(ws, b), versions: listBundleVersions({ ws, bundle }), quarantine: listQuarantine(ws.db, bundle) };
}

/** Versions automation will not deploy again to an environment (they were rolled back from it), oldest first. */
export function listQuarantined({ ws, bundle }: { ws: Workspace; bundle?: string }): QuarantineRecord[] {
  return listQuarantine(ws.db, bundle);
}
