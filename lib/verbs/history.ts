/**
 * `drover history B [--cluster C]`: a bundle's releases (and retirements),
 * newest first, each with its journal steps.
 */
import { listReleases, releaseSteps, type ReleaseRecord, type ReleaseStep } from '../state/releases.ts';
import type { Workspace } from '../workspace/workspace.ts';

export type HistoryEntry = ReleaseRecord & { steps: ReleaseStep[] };

export function bundleHistory({
  ws,
  bundle,
  cluster,
}: {
  ws: Workspace;
  bundle: string;
  cluster?: string;
}): HistoryEntry[] {
  return listReleases(ws.db, { bundle, ...(cluster ? { cluster } : {}) }).map((r) => ({
    ...r,
    steps: releaseSteps(ws.db, r.id),
  }));
}
