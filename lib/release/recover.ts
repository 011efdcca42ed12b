/**
 * After a crash: every release the journal shows unfinished is taken to one
 * whole version without manual steps. The interrupted release is marked
 * failed and the cluster is restored to the version its inventory says it
 * ran whole before (or the bundle is removed if it had none), letting go only
 * of what that release recorded adding. When the inventory is gone while the
 * journal says a version ran there, nothing is touched (InventoryMissing). A later deploy
 * or the daemon's next cycle tries the new version again, from a clean start.
 */
import type { Cluster } from '../cluster/cluster.ts';
import { toDroverError } from '../errors/errors.ts';

import { acquireLease, releaseLease } from '../state/leases.ts';

import { getRelease, recordStep, type ReleaseRecord, unfinishedReleases } from '../state/releases.ts';

import { readInventory } from './inventory.ts';
import { engineIdentity, isHolderDead, LEASE_TTL_MS } from './lease-holder.ts';
import type { ReleaseOptions } from './release-options.ts';
import type { VersionContent } from '../bundle/version-content.ts';

import { inventoryMissing } from './refusal.ts';
import { rollbackRelease } from './rollback.ts';

export interface RecoverOptions extends Omit<ReleaseOptions, 'cluster' | 'target'> {
  /** The clusters Drover can reach, by name; releases on others are left for later. */
  clusters: Map<string, Cluster>;
  /** Only this bundle (default: all). */
  bundle?: string;
  /** A version's content for one cluster (its target's layer); without it, `loadVersion` serves every cluster. */
  contentFor?: (cluster: string, v: { version: string; digest: string }) => Promise<VersionContent>;
}

export interface RecoveredRelease {
  release: ReleaseRecord;
  /** `deferred`: the cluster did not answer; the release stays unfinished and is tried again. */
  outcome: 'rolled-back' | 'rollback-failed' | 'skipped' | 'deferred';
  message: string;
}

export async function recoverReleases(opts: RecoverOptions): Promise<RecoveredRelease[]> {
  const { db, clusters, onEvent = () => {}, signal } = opts;
  const out: RecoveredRelease[] = [];
  for (const rel of unfinishedReleases(db)) {
    if (opts.bundle && rel.bundle !== opts.bundle) continue;
    const cluster = clusters.get(rel.cluster);
    if (!cluster) {
      out.push({ release: rel, outcome: 'skipped', message: `cluster ${rel.cluster} is not configured here` });
      continue;
    }
    let lease;
    try {
      lease = acquireLease(db, {
        bundle: rel.bundle,
        cluster: rel.cluster,
        holder: engineIdentity(),
        ttlMs: LEASE_TTL_MS,
        isHolderDead,
      });
    } catch (err) {
      // A live engine holds it: that release is not abandoned.
      out.push({ release: rel, outcome: 'skipped', message: toDroverError(err).message });
      continue;
    }
    try {
      onEvent({
        phase: 'recover',
        subject: rel.cluster,
        level: 'warn',
        message: `${rel.bundle}@${rel.version} was interrupted in state ${rel.state}; restoring one whole version`,
      });
      if (rel.state !== 'failed' && rel.state !== 'rolling-back') {
        recordStep(db, rel.id, {
          state: 'failed',
          message: `interrupted in state ${rel.state} (engine stopped); restoring the previous version`,
          reason: 'Interrupted',
        });
      }
      try {
        const inv = await readInventory(cluster, rel.bundle, signal);
        const contentFor = opts.contentFor;
        const loadVersion = contentFor
          ? (v: { version: string; digest: string }) => contentFor(rel.cluster, v)
          : opts.loadVersion;
        const target = await loadVersion({ version: rel.version, digest: rel.digest });
        if (!inv.exists && rel.fromVersion && rel.fromDigest) {
          // Without the record of what the interrupted release added, nothing can be told apart: nothing is deleted.
          throw inventoryMissing({
            bundle: rel.bundle,
            cluster: rel.cluster,
            running: { version: rel.fromVersion, digest: rel.fromDigest },
          });
        }
        await rollbackRelease({
          ...opts,
          loadVersion,
          cluster,
          target,
          release: getRelease(db, rel.id)!,
          inventory: inv,
        });
        out.push({
          release: getRelease(db, rel.id)!,
          outcome: 'rolled-back',
          message: `restored ${inv.current ? `${rel.bundle}@${inv.current.version}` : 'the state before the first release'}`,
        });
      } catch (err) {
        const e = toDroverError(err);
        out.push({
          release: getRelease(db, rel.id)!,
          outcome: e.data.dependency === 'cluster' ? 'deferred' : 'rollback-failed',
          message: e.message,
        });
      }
    } finally {
      releaseLease(db, lease);
    }
  }
  return out;
}
