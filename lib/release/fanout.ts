/**
 * Fan-out of one version to an environment's clusters in waves (for example
 * a canary cluster, then the rest with a concurrency limit). A wave starts
 * only when every cluster of the one before is healthy; the first failure
 * stops the rollout: the failing cluster has rolled itself back, clusters not
 * yet reached stay on the previous version, and clusters that had already
 * taken the version healthy (an earlier wave, or a sibling in the failed
 * wave) are returned to the version each ran before, with a release of that
 * version, so the environment ends on one version, the one its channel tag
 * names again. A cluster that ran nothing of the bundle before keeps the new
 * version: removing a healthy application is not a revert.
 */
import type { Cluster } from '../cluster/cluster.ts';
import type { WaveConfig } from '../config/config.ts';
import { toDroverError } from '../errors/errors.ts';
import { getRelease } from '../state/releases.ts';
import { mapLimit } from '../foundation/map-limit.ts';
import { releaseToCluster, type ReleaseResult } from './release.ts';
import type { ReleaseOptions } from './release-options.ts';
import type { VersionContent } from '../bundle/version-content.ts';

export interface ClusterOutcome {
  cluster: string;
  wave: number;
  /** `reverted`: healthy on the version, then returned to the previous one because another cluster failed. */
  state: 'succeeded' | 'rolled-back' | 'rollback-failed' | 'error' | 'not-started' | 'reverted' | 'revert-failed';
  releaseId?: number;
  /** The release that returned the cluster to its previous version (state `reverted` or `revert-failed`). */
  revertReleaseId?: number;
  failedObject?: string;
  reason?: string;
  message?: string;
  /** The release was refused before any write (state `rolled-back`, nothing applied): `reason` says why, `message` names the objects. */
  refused?: boolean;
  /** For `error`: the part that did not answer (`cluster`, `registry`), when the error says. */
  dependency?: string;
}

export interface FanOutResult {
  ok: boolean;
  clusters: ClusterOutcome[];
}

export interface FanOutOptions extends Omit<ReleaseOptions, 'cluster'> {
  waves: WaveConfig[];
  clusters: Map<string, Cluster>;
  /**
   * The content of a version for one cluster (its target's layer): what the
   * cluster is given of `target`, and what it restores of a previous version.
   * Without it every cluster takes `target` and restores through `loadVersion`.
   */
  contentFor?: (cluster: string, v: { version: string; digest: string }) => Promise<VersionContent>;
  /** After a failure, return the clusters that took the version to what they ran before (default true). */
  revertOnFailure?: boolean;
  /**
   * Clusters Drover does not reach (agent clusters): how their outcome is
   * learnt, awaited like a release (the agent releases, and reports through
   * the registry). Without it such a cluster is an error.
   */
  remote?: {
    clusters: ReadonlySet<string>;
    outcome: (
      cluster: string,
      wave: number,
    ) => Promise<Pick<ClusterOutcome, 'state' | 'failedObject' | 'reason' | 'message' | 'dependency'>>;
  };
  /** Called before each wave starts (1-based), e.g. to move the wave's tag its agents follow. */
  beforeWave?: (wave: number) => Promise<void>;
}

export async function fanOut(opts: FanOutOptions): Promise<FanOutResult> {
  const outcomes: ClusterOutcome[] = opts.waves.flatMap((w, i) =>
    w.clusters.map((c) => ({ cluster: c, wave: i + 1, state: 'not-started' as const })),
  );
  let ok = true;
  for (const [i, wave] of opts.waves.entries()) {
    if (!ok) break;
    opts.onEvent?.({ phase: 'fan-out', message: `wave ${i + 1}/${opts.waves.length}: ${wave.clusters.join(', ')}` });
    try {
      await opts.beforeWave?.(i + 1);
    } catch (err) {
      for (const slot of outcomes.filter((o) => o.wave === i + 1))
        Object.assign(slot, { state: 'error', message: `wave ${i + 1} not started: ${toDroverError(err).message}` });
      ok = false;
      break;
    }
    await mapLimit(wave.clusters, wave.concurrency ?? wave.clusters.length, async (name) => {
      const slot = outcomes.find((o) => o.cluster === name && o.wave === i + 1)!;
      if (!ok) return; // a failure in this wave: clusters not started yet stay on the previous version
      if (opts.remote?.clusters.has(name)) {
        const r = await opts.remote
          .outcome(name, i + 1)
          .catch((err: unknown) => ({ state: 'error' as const, message: toDroverError(err).message }));
        Object.assign(slot, r);
        if (r.state !== 'succeeded') ok = false;
        return;
      }
      const cluster = opts.clusters.get(name);
      if (!cluster) {
        Object.assign(slot, { state: 'error', message: `cluster ${name} is not configured` });
        ok = false;
        return;
      }
      try {
        const r: ReleaseResult = await releaseToCluster({ ...opts, ...(await placed(opts, name)), cluster });
        const st =
          r.release.state === 'succeeded'
            ? 'succeeded'
            : r.release.state === 'rolled-back'
              ? 'rolled-back'
              : 'rollback-failed';
        Object.assign(slot, {
          state: st,
          releaseId: r.release.id,
          ...(r.release.failedObject ? { failedObject: r.release.failedObject } : {}),
          ...(r.release.reason ? { reason: r.release.reason } : {}),
          ...(r.refused ? { refused: true, reason: r.refused.reason, message: r.refused.message } : {}),
        });
        if (st !== 'succeeded') ok = false;
      } catch (err) {
        const e = toDroverError(err);
        Object.assign(slot, {
          state: e.code === 'E_ROLLBACK_FAILED' ? 'rollback-failed' : 'error',
          message: e.message,
          ...(typeof e.data.dependency === 'string' ? { dependency: e.data.dependency } : {}),
        });
        ok = false;
      }
    });
  }
  // Not when shutting down: the aborted release is left to recovery, and nothing new starts.
  if (!ok && !opts.signal?.aborted && (opts.revertOnFailure ?? true)) await revertSucceeded(opts, outcomes);
  return { ok, clusters: outcomes };
}

/** What one cluster releases of the version, and how it loads the one it restores: its own target's content. */
async function placed(opts: FanOutOptions, cluster: string): Promise<Pick<ReleaseOptions, 'target' | 'loadVersion'>> {
  const contentFor = opts.contentFor;
  if (!contentFor) return { target: opts.target, loadVersion: opts.loadVersion };
  return { target: await contentFor(cluster, opts.target), loadVersion: (v) => contentFor(cluster, v) };
}

/** Releases, on every cluster that took the version healthy, the version it ran before; all of them at once. */
async function revertSucceeded(opts: FanOutOptions, outcomes: ClusterOutcome[]): Promise<void> {
  const moved = outcomes.flatMap((slot) => {
    const from =
      slot.state === 'succeeded' && slot.releaseId !== undefined ? getRelease(opts.db, slot.releaseId) : undefined;
    // A cluster that already ran this very version before the fan-out has nothing to go back to.
    return from?.fromVersion && from.fromDigest && from.fromDigest !== opts.target.digest
      ? [{ slot, version: from.fromVersion, digest: from.fromDigest }]
      : [];
  });
  if (moved.length === 0) return;
  const failed = outcomes.filter((o) => o.state !== 'succeeded' && o.state !== 'not-started').map((o) => o.cluster);
  opts.onEvent?.({
    phase: 'fan-out',
    level: 'warn',
    message: `${failed.join(', ')} failed: returning ${moved.map((m) => m.slot.cluster).join(', ')} to the version each ran before`,
  });
  await mapLimit(moved, moved.length, async ({ slot, version, digest }) => {
    try {
      const here = await placed(opts, slot.cluster);
      const previous = await here.loadVersion({ version, digest });
      const cause = `revert: ${opts.target.bundle}@${opts.target.version} failed on ${failed.join(', ')}`;
      const r = await releaseToCluster({
        ...opts,
        ...here,
        cluster: opts.clusters.get(slot.cluster)!,
        target: previous,
        cause,
      });
      const back = r.release.state === 'succeeded';
      Object.assign(slot, {
        state: back ? 'reverted' : 'revert-failed',
        revertReleaseId: r.release.id,
        message: back
          ? `returned to ${opts.target.bundle}@${version}`
          : `could not return to ${opts.target.bundle}@${version}: its release ended ${r.release.state}${r.release.reason ? ` (${r.release.reason})` : ''}${r.release.state === 'rolled-back' ? `, so it still runs ${opts.target.version}` : ''}`,
      });
    } catch (err) {
      Object.assign(slot, {
        state: 'revert-failed',
        message: `could not return to ${opts.target.bundle}@${version}: ${toDroverError(err).message}`,
      });
    }
  });
}
