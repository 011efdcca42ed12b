/**
 * `drover status` and `drover history`: bundles x clusters from the release
 * journal: the version each cluster last released, its state, and for a
 * failure which object failed and why.
 */
import { listBundles } from '../state/versions.ts';
import { lastRelease, listReleases, releaseSteps, type ReleaseRecord, type ReleaseStep } from '../state/releases.ts';
import type { Workspace } from './workspace.ts';

export interface StatusRow {
  bundle: string;
  cluster: string;
  /** The version the cluster runs whole: the release's version on success, its from-version after a rollback. */
  running: string | null;
  last: Pick<ReleaseRecord, 'id' | 'version' | 'state' | 'reason' | 'failedObject' | 'updatedAt'>;
}

export function bundleStatus({ ws }: { ws: Workspace }): StatusRow[] {
  const rows: StatusRow[] = [];
  const bundles = new Set([...listBundles(ws.db).map((b) => b.name), ...listReleases(ws.db, { limit: 10_000 }).map((r) => r.bundle)]);
  for (const bundle of [...bundles].sort()) {
    for (const c of ws.config.clusters) {
      const r = lastRelease(ws.db, bundle, c.name);
      if (!r) continue;
      rows.push({
        bundle,
        cluster: c.name,
        running: r.state === 'succeeded' ? r.version : r.state === 'rolled-back' ? r.fromVersion : null,
        last: { id: r.id, version: r.version, state: r.state, reason: r.reason, failedObject: r.failedObject, updatedAt: r.updatedAt },
      });
    }
  }
  return rows;
}

export function bundleHistory({ ws, bundle, cluster }: { ws: Workspace; bundle: string; cluster?: string }): (ReleaseRecord & { steps: ReleaseStep[] })[] {
  return listReleases(ws.db, { bundle, ...(cluster ? { cluster } : {}) }).map((r) => ({ ...r, steps: releaseSteps(ws.db, r.id) }));
}
