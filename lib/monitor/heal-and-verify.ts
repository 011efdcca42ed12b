/**
 * A heal with its check: heals one bundle on one cluster (lib/monitor/heal.ts,
 * a release of the version the cluster should run), then reads back each
 * member that had an open finding and resolves what matches (`healed`); what
 * still differs stays open with its fields refreshed. Nothing to do when the
 * bundle has no open finding there; it fails (to be tried again) when the
 * monitor has not seen the bundle's inventory yet.
 *
 * @example
 *   const heal = await healAndVerify({ ws, ctx, cluster, monitor, bundle: 'web', signal });
 *   heal?.outcome // 'healed' | 'failed' | 'skipped', undefined when nothing was open
 */
import type { Cluster } from '../cluster/cluster.ts';
import { getObject } from '../cluster/get.ts';
import { assessMember } from '../drift/assess.ts';
import { UnavailableError } from '../errors/errors.ts';
import type { OnEvent } from '../progress.ts';
import {
  type FindingRecord,
  type HealRecord,
  openFindings,
  recordFinding,
  resolveFinding,
  targetOf,
} from '../state/drift.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { ClusterMonitor } from './cluster-monitor.ts';
import type { DriftContext } from './drift-context.ts';
import { healBundle } from './heal.ts';

export interface HealAndVerifyOptions {
  ws: Workspace;
  ctx: DriftContext;
  cluster: Cluster;
  /** The cluster's monitor: the version the cluster should run, and each member as loaded for it. */
  monitor: ClusterMonitor;
  bundle: string;
  /** The id of the heal once journaled, and undefined once it is over (findings resolved meanwhile are `healed`). */
  onHealing?: (healId: number | undefined) => void;
  onResolved?: (finding: FindingRecord) => void;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

export async function healAndVerify({
  ws,
  ctx,
  cluster,
  monitor,
  bundle,
  onHealing,
  onResolved,
  onEvent,
  signal,
}: HealAndVerifyOptions): Promise<HealRecord | undefined> {
  const run = monitor.running().find((r) => r.bundle === bundle);
  const open = openFindings(ws.db, { bundle, cluster: cluster.name });
  if (open.length === 0) return undefined;
  // Findings but no known version (the inventory not seen yet): fail, so the heal is tried again shortly.
  if (!run)
    throw new UnavailableError(`${bundle} on ${cluster.name}: the version this cluster should run is not known yet`, {
      data: { bundle, cluster: cluster.name },
    });
  const env = ctx.environmentOf(cluster.name);
  const heal = await healBundle({
    db: ws.db,
    cluster,
    bundle,
    version: { version: run.version, digest: run.digest },
    loadVersion: ctx.loadVersion(bundle, cluster.name, signal),
    prepare: ctx.prepareFor(cluster.name),
    ...(env
      ? { environment: env.name, timeoutMs: env.timeoutSeconds * 1000, createNamespace: env.createNamespace ?? false }
      : {}),
    selfManaged: ws.config.selfManaged.includes(bundle),
    refs: open.map((f) => f.ref),
    onStarted: (h) => onHealing?.(h.id),
    onEvent,
    signal,
  });
  try {
    if (heal.outcome === 'skipped') return heal;
    for (const f of open) {
      const member = monitor.desiredOf(bundle, f.ref);
      if (!member) continue;
      const live = await getObject(
        cluster,
        { apiVersion: f.apiVersion, kind: f.objectKind, namespace: f.namespace, name: f.name },
        signal,
      );
      const drift = assessMember({ ...member, live });
      if (!drift) {
        const resolved = resolveFinding(ws.db, { ...targetOf(f), resolution: 'healed', healId: heal.id });
        if (resolved) onResolved?.(resolved);
      } else
        recordFinding(ws.db, {
          ...targetOf(f),
          version: f.version,
          digest: f.digest,
          ref: f.ref,
          detectedBy: f.detectedBy,
          kind: drift.kind,
          fields: drift.fields,
        });
    }
    return heal;
  } finally {
    onHealing?.(undefined);
  }
}
