/**
 * Releases in the journal, newest first, by bundle and cluster, with their
 * steps on request; and one release by id. What `GET /api/v1/releases`
 * answers (`drover history` is the same journal for one bundle).
 */
import { NotFoundError } from '../errors/errors.ts';
import { releaseWithSteps } from '../state/queries.ts';
import { listReleases, type ReleaseRecord } from '../state/releases.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { HistoryEntry } from './history.ts';

export function listReleaseViews({
  ws,
  bundle,
  cluster,
  limit = 50,
  steps = false,
}: {
  ws: Workspace;
  bundle?: string;
  cluster?: string;
  limit?: number;
  steps?: boolean;
}): (ReleaseRecord | HistoryEntry)[] {
  const rs = listReleases(ws.db, { ...(bundle ? { bundle } : {}), ...(cluster ? { cluster } : {}), limit });
  return steps ? rs.map((r) => releaseWithSteps(ws.db, r.id)!) : rs;
}

export function releaseView({ ws, id }: { ws: Workspace; id: number }): HistoryEntry {
  const r = releaseWithSteps(ws.db, id);
  if (!r) throw new NotFoundError(`no release ${id}`, { data: { id } });
  return r;
}
