/**
 * `drover drift [--heal]`: one pass over every configured cluster (one LIST
 * per resource type), for every bundle this workspace knows whose self-heal
 * policy is not `off`: findings recorded, and heals where asked (or where the
 * bundle's policy is `heal`), each verified member by member afterwards. The
 * continuous form, for `drover serve`, is lib/monitor/drift-monitor.ts.
 *
 * @example
 *   const report = await checkDrift({ ws, heal: false });
 *   report.findings // open findings, oldest first
 */
import { selfHealFor } from '../config/assemble.ts';
import { NotFoundError, toDroverError } from '../errors/errors.ts';
import { ClusterMonitor } from '../monitor/cluster-monitor.ts';
import { driftContext } from '../monitor/drift-context.ts';
import { healAndVerify } from '../monitor/heal-and-verify.ts';
import { recordObservation, resolveGone } from '../monitor/record.ts';
import type { OnEvent } from '../progress.ts';
import { type FindingRecord, type HealRecord, openFindings } from '../state/drift.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface DriftReport {
  /** Open findings after the check, oldest first. */
  findings: FindingRecord[];
  /** Heals run by this check. */
  heals: HealRecord[];
  /** Per cluster: bundles and members judged, bundles that could not be (content unavailable), or why the cluster was not checked. */
  clusters: {
    cluster: string;
    bundles: number;
    members: number;
    unjudged: { bundle: string; reason: string }[];
    error?: string;
  }[];
}

export interface DriftOptions {
  ws: Workspace;
  /** Heal every drifted bundle whose policy is not `off` (default: only those whose policy is `heal`). */
  heal?: boolean;
  /** Only this bundle on this cluster (the dashboard's heal of one finding); default every bundle on every cluster. */
  only?: { bundle: string; cluster: string };
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

/** One pass over every cluster: scan, record findings, heal where asked. */
export async function checkDrift({ ws, heal = false, only, onEvent, signal }: DriftOptions): Promise<DriftReport> {
  const ctx = driftContext(ws);
  if (only && !ws.config.clusters.some((c) => c.name === only.cluster))
    throw new NotFoundError(`${ws.config.file}: no cluster named ${only.cluster}`, { data: { cluster: only.cluster } });
  const clusters = await ws.clusters(only ? [only.cluster] : undefined);
  const heals: HealRecord[] = [];
  const results = await Promise.all(
    [...clusters.values()].map(async (cluster) => {
      const monitor = new ClusterMonitor({
        cluster,
        tracks: ctx.tracks,
        loadDesired: ctx.loadDesired,
        onObservation: (o) => void recordObservation({ db: ws.db, observation: o }),
        onEvent,
      });
      try {
        const s = await monitor.scan(signal);
        resolveGone({ db: ws.db, cluster: monitor.cluster, present: monitor.present() });
        for (const { bundle } of monitor.running()) {
          if (only && bundle !== only.bundle) continue;
          const policy = selfHealFor(ws.config, bundle);
          if (!(heal ? policy !== 'off' : policy === 'heal')) continue;
          const h = await healAndVerify({
            ws,
            ctx,
            cluster,
            monitor,
            bundle,
            onEvent,
            signal,
          });
          if (h) heals.push(h);
        }
        return { cluster: cluster.name, ...s };
      } catch (err) {
        if (signal?.aborted) throw err;
        return { cluster: cluster.name, bundles: 0, members: 0, unjudged: [], error: toDroverError(err).message };
      } finally {
        await monitor.stop();
      }
    }),
  );
  return { findings: openFindings(ws.db), heals, clusters: results };
}

/** The open findings as recorded, without reading any cluster. */
export function driftJournal({ ws }: { ws: Workspace }): DriftReport {
  return { findings: openFindings(ws.db), heals: [], clusters: [] };
}
