/**
 * The overview the dashboard shows: bundles x clusters, grouped by
 * environment in promotion order (drover.yaml's order), one page at a time.
 * Each cell is what the release journal says of that cluster: the version it
 * runs whole, a release in flight, the release that failed (to link to its
 * rollout), open drift; each environment, the version its channel tag names
 * (as last read from the registry by the tag watch, or as Drover last moved
 * it, whichever is newer), and whether Drover has followed it. Everything comes from the state
 * database (a few set queries per page, lib/state/overview.ts), so it costs
 * no request to a cluster or the registry and stays fast at 500 bundles x 10
 * clusters; `drover status` is the live read.
 *
 * @example
 *   const v = overviewView({ ws, q: 'web', limit: 50 });
 *   v.rows[0].environments[0].cells[0] // { cluster: 'c1', state: 'healthy', running: '1.0.1', ... }
 */
import { type OverviewCells, readOverviewCells, readOverviewPage } from '../state/overview.ts';
import type { ReleaseRecord } from '../state/releases.ts';
import type { Workspace } from '../workspace/workspace.ts';

/** A cell's state, as text the dashboard shows (colour is never the only signal). */
export type CellState = 'healthy' | 'releasing' | 'rolled-back' | 'rollback-failed' | 'retired' | 'not-deployed';

export interface OverviewCell {
  cluster: string;
  mode: 'push' | 'agent';
  state: CellState;
  /** The version the cluster runs whole, per the journal. */
  running: string | null;
  /** The release in flight (state `planned`, `applying`, `verifying`, `rolling-back`). */
  inFlight: { id: number; version: string; state: ReleaseRecord['state'] } | null;
  /** The newest release when it failed (rolled back or not): its failed object and reason. */
  failed: {
    id: number;
    version: string;
    environment: string | null;
    failedObject: string | null;
    reason: string | null;
  } | null;
  drift: number;
  /** When the newest release last changed. */
  updatedAt: string | null;
}

export interface OverviewEnvironment {
  name: string;
  /**
   * What the channel tag names, from whichever is newer: the registry as the
   * tag watch last read it (`from: 'read'`), or Drover's own last move or
   * follow (`from: 'mark'`). `version` null: a digest of no version of this
   * bundle. `followed` false: the tag names something Drover has not
   * released there (moved outside Drover and not yet followed, or refused);
   * `marked` is then what Drover last set. Null: no tag known.
   */
  tag: {
    version: string | null;
    digest: string;
    at: string;
    from: 'read' | 'mark';
    followed: boolean;
    marked: { version: string | null; digest: string } | null;
    /** Not followed because the rollout to the digest the tag names was refused (NotCutHere, SignatureRefused...): why. */
    refused?: { reason: string | null; message: string; at: string };
  } | null;
  cells: OverviewCell[];
}

export interface OverviewRow {
  bundle: string;
  latest: string | null;
  namespaces: string[];
  left: boolean;
  environments: OverviewEnvironment[];
}

export interface OverviewView {
  environments: { name: string; clusters: string[] }[];
  total: number;
  offset: number;
  limit: number;
  q: string;
  namespace: string | null;
  rows: OverviewRow[];
}

export interface OverviewOptions {
  ws: Workspace;
  q?: string;
  namespace?: string;
  /** Only these bundles (a live update of one row). */
  only?: readonly string[];
  offset?: number;
  limit?: number;
}

function cellOf(cells: OverviewCells, bundle: string, cluster: string, mode: 'push' | 'agent'): OverviewCell {
  const key = `${bundle}\0${cluster}`;
  const r = cells.releases.get(key);
  const f = cells.finished.get(key);
  const drift = cells.drift.get(key) ?? 0;
  const base = { cluster, mode, drift, updatedAt: r?.updatedAt ?? null, inFlight: null, failed: null };
  if (!r) return { ...base, state: 'not-deployed', running: null };
  const runsAfter = (x: ReleaseRecord | undefined): string | null => {
    if (!x) return null;
    if (x.state === 'succeeded') return x.kind === 'retire' ? null : x.version;
    if (x.state === 'rolled-back') return x.fromVersion;
    return null;
  };
  if (!r.finishedAt)
    return {
      ...base,
      state: 'releasing',
      running: runsAfter(f),
      inFlight: { id: r.id, version: r.version, state: r.state },
    };
  const failed = {
    id: r.id,
    version: r.version,
    environment: r.environment,
    failedObject: r.failedObject,
    reason: r.reason,
  };
  if (r.state === 'rolled-back') return { ...base, state: 'rolled-back', running: r.fromVersion, failed };
  if (r.state === 'rollback-failed' || r.state === 'failed')
    return { ...base, state: 'rollback-failed', running: null, failed };
  if (r.kind === 'retire') return { ...base, state: 'retired', running: null };
  return { ...base, state: 'healthy', running: r.version };
}

function tagOf(cells: OverviewCells, bundle: string, environment: string): OverviewEnvironment['tag'] {
  const tag = namedBy(cells, bundle, environment);
  const refusal = cells.refusals.get(`${bundle}\0${environment}`);
  if (!tag || tag.followed || refusal?.digest !== tag.digest) return tag;
  return { ...tag, refused: { reason: refusal.reason, message: refusal.message, at: refusal.at } };
}

function namedBy(cells: OverviewCells, bundle: string, environment: string): OverviewEnvironment['tag'] {
  const m = cells.marks.get(`${bundle}\0${environment}`);
  const r = cells.reads.get(`${bundle}\0${environment}`);
  const marked = m ? { version: m.version, digest: m.digest } : null;
  if (r && (!m || r.at >= m.at)) {
    if (!r.digest) return null;
    return {
      version: r.version,
      digest: r.digest,
      at: r.at,
      from: 'read',
      followed: m?.digest === r.digest,
      marked: m?.digest === r.digest ? null : marked,
    };
  }
  return m ? { version: m.version, digest: m.digest, at: m.at, from: 'mark', followed: true, marked: null } : null;
}

export function overviewView({ ws, q = '', namespace, only, offset = 0, limit = 50 }: OverviewOptions): OverviewView {
  const page = readOverviewPage(ws.db, {
    ...(q ? { q } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(only ? { only } : {}),
    offset,
    limit,
  });
  const cells = readOverviewCells(
    ws.db,
    page.bundles.map((b) => b.name),
  );
  const mode = new Map(
    ws.config.clusters.map((c) => [c.name, c.mode === 'agent' ? ('agent' as const) : ('push' as const)]),
  );
  const environments = ws.config.environments.map((e) => ({ name: e.name, clusters: [...e.clusters] }));
  return {
    environments,
    total: page.total,
    offset,
    limit,
    q,
    namespace: namespace ?? null,
    rows: page.bundles.map((b) => ({
      bundle: b.name,
      latest: b.latest,
      namespaces: b.namespaces,
      left: b.left,
      environments: environments.map((e) => ({
        name: e.name,
        tag: tagOf(cells, b.name, e.name),
        cells: e.clusters.map((c) => cellOf(cells, b.name, c, mode.get(c) ?? 'push')),
      })),
    })),
  };
}
