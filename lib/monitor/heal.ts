/**
 * Self-heal: re-applies the version a cluster should run (its inventory's
 * `current`) through the release engine, so a heal is an ordinary release
 * in the journal (plan with a dry run, server-side apply with force, which
 * takes back fields another manager took, such as replicas after
 * `kubectl scale`; missing members recreated; health verified; rolled back
 * if it fails) and members that did not drift are left untouched. Never
 * fights a release: it is skipped, with the reason recorded, while a lease
 * is held on the bundle x cluster, the journal has an unfinished release
 * there, or the cluster's inventory records a release in flight.
 *
 * @example
 *   const heal = await healBundle({ db, cluster, bundle: 'web', version: { version: '1.0.0', digest }, loadVersion, refs });
 *   heal.outcome // 'healed' | 'failed' | 'skipped'
 */
import type { Cluster } from '../cluster/cluster.ts';
import { ConflictError, toDroverError } from '../errors/errors.ts';
import type { KubeObject } from '../object/ref.ts';
import type { OnEvent } from '../progress.ts';
import { readInventory } from '../release/inventory.ts';
import { releaseToCluster } from '../release/release.ts';
import type { VersionContent } from '../bundle/version-content.ts';
import { beginHeal, finishHeal, type HealRecord } from '../state/drift.ts';
import { activeLeases } from '../state/leases.ts';
import type { StateDb } from '../state/open.ts';
import { unfinishedReleases } from '../state/releases.ts';

export interface HealOptions {
  db: StateDb;
  cluster: Cluster;
  bundle: string;
  /** The version the cluster should run, as its inventory says. */
  version: { version: string; digest: string };
  loadVersion: (v: { version: string; digest: string }) => Promise<VersionContent>;
  prepare?: (obj: KubeObject) => Promise<KubeObject>;
  environment?: string;
  timeoutMs?: number;
  /** As the release options of the same name (the environment's createNamespace, drover.yaml's selfManaged). */
  createNamespace?: boolean;
  selfManaged?: boolean;
  /** The drifted members (`Kind/ns/name`), for the journal. */
  refs: string[];
  /** Called once the heal is journaled, before anything is applied. */
  onStarted?: (heal: HealRecord) => void;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

/** Why a heal must not run now, or null when it may. Reads the journal, the leases and the cluster's inventory. */
export async function healBlocker({
  db,
  cluster,
  bundle,
  version,
  signal,
}: Pick<HealOptions, 'db' | 'cluster' | 'bundle' | 'version' | 'signal'>): Promise<string | null> {
  const lease = activeLeases(db).find((l) => l.bundle === bundle && l.cluster === cluster.name);
  if (lease) return `a release holds ${bundle} on ${cluster.name} (${lease.holder})`;
  const open = unfinishedReleases(db).find((r) => r.bundle === bundle && r.cluster === cluster.name);
  if (open) return `release #${open.id} of ${bundle}@${open.version} on ${cluster.name} is unfinished (${open.state})`;
  const inv = await readInventory(cluster, bundle, signal);
  if (inv.pending)
    return `a release of ${bundle}@${inv.pending.version} is in flight on ${cluster.name} (since ${inv.pending.startedAt})`;
  if (inv.current?.digest !== version.digest)
    return `${cluster.name} now runs ${bundle}@${inv.current?.version ?? 'nothing'}, not ${version.version}`;
  return null;
}

export async function healBundle(opts: HealOptions): Promise<HealRecord> {
  const { db, cluster, bundle, version, refs, onEvent = () => {}, signal } = opts;
  const base = { bundle, cluster: cluster.name, version: version.version, digest: version.digest, refs };
  const blocker = await healBlocker(opts);
  if (blocker) {
    onEvent({ phase: 'heal', subject: cluster.name, level: 'warn', message: `${bundle}: not healing: ${blocker}` });
    return beginHeal(db, { ...base, skipped: blocker });
  }
  const heal = beginHeal(db, base);
  opts.onStarted?.(heal);
  onEvent({
    phase: 'heal',
    subject: cluster.name,
    message: `${bundle}@${version.version}: re-applying to heal ${refs.join(', ')}`,
  });
  try {
    const target = await opts.loadVersion(version);
    const r = await releaseToCluster({
      db,
      cluster,
      target,
      loadVersion: opts.loadVersion,
      cause: `heal: drift on ${refs.join(', ')}`,
      createNamespace: opts.createNamespace ?? false,
      selfManaged: opts.selfManaged ?? false,
      ...(opts.prepare ? { prepare: opts.prepare } : {}),
      ...(opts.environment ? { environment: opts.environment } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      onEvent,
      signal,
    });
    if (r.release.state === 'succeeded') return finishHeal(db, heal.id, { outcome: 'healed', releaseId: r.release.id });
    return finishHeal(db, heal.id, {
      outcome: 'failed',
      releaseId: r.release.id,
      reason: r.release.reason ?? r.release.state,
    });
  } catch (err) {
    const e = toDroverError(err);
    // The lease went to a release between the check and now: that release wins.
    return finishHeal(db, heal.id, { outcome: err instanceof ConflictError ? 'skipped' : 'failed', reason: e.message });
  }
}
