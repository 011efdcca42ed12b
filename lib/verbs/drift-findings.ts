/**
 * Drift as recorded, without reading the clusters: open findings (by bundle
 * and cluster), or every finding with resolved ones too; and the self-heal
 * attempts. What `GET /api/v1/drift` and `/api/v1/drift/heals` answer;
 * `drover drift` checks the clusters first (drift.ts).
 */
import { type FindingRecord, type HealRecord, listFindings, listHeals, openFindings } from '../state/drift.ts';
import type { Workspace } from '../workspace/workspace.ts';

export function listDriftFindings({
  ws,
  bundle,
  cluster,
  open = true,
  limit = 50,
}: {
  ws: Workspace;
  bundle?: string;
  cluster?: string;
  open?: boolean;
  limit?: number;
}): FindingRecord[] {
  const filter = { ...(bundle ? { bundle } : {}), ...(cluster ? { cluster } : {}) };
  return open ? openFindings(ws.db, filter) : listFindings(ws.db, { ...filter, limit });
}

export function listDriftHeals({
  ws,
  bundle,
  cluster,
  limit = 50,
}: {
  ws: Workspace;
  bundle?: string;
  cluster?: string;
  limit?: number;
}): HealRecord[] {
  return listHeals(ws.db, { ...(bundle ? { bundle } : {}), ...(cluster ? { cluster } : {}), limit });
}
