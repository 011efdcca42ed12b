/**
 * Fan-out of one version to an environment's clusters in waves (for example
 * a canary cluster, then the rest with a concurrency limit). A wave starts
 * only when every cluster of the one before is healthy; the first failure
 * stops the rollout: the failing cluster has rolled itself back, clusters not
 * yet reached stay on the previous version.
 */
import type { Cluster } from '../cluster/cluster.ts';
import type { WaveConfig } from '../config/config.ts';
import { toDroverError } from '../errors/errors.ts';
import { mapLimit } from './pool.ts';
import { releaseToCluster, type ReleaseOptions, type ReleaseResult } from './release.ts';

export interface ClusterOutcome {
  cluster: string;
  wave: number;
  state: 'succeeded' | 'rolled-back' | 'rollback-failed' | 'error' | 'not-started';
  releaseId?: number;
  failedObject?: string;
  reason?: string;
  message?: string;
}

export interface FanOutResult {
  ok: boolean;
  clusters: ClusterOutcome[];
}

export interface FanOutOptions extends Omit<ReleaseOptions, 'cluster'> {
  waves: WaveConfig[];
  clusters: Map<string, Cluster>;
}

export async function fanOut(opts: FanOutOptions): Promise<FanOutResult> {
  const outcomes: ClusterOutcome[] = opts.waves.flatMap((w, i) => w.clusters.map((c) => ({ cluster: c, wave: i + 1, state: 'not-started' as const })));
  let ok = true;
  for (const [i, wave] of opts.waves.entries()) {
    if (!ok) break;
    opts.onEvent?.({ phase: 'fan-out', message: `wave ${i + 1}/${opts.waves.length}: ${wave.clusters.join(', ')}` });
    await mapLimit(wave.clusters, wave.concurrency ?? wave.clusters.length, async (name) => {
      const slot = outcomes.find((o) => o.cluster === name && o.wave === i + 1)!;
      if (!ok) return; // a failure in this wave: clusters not started yet stay on the previous version
      const cluster = opts.clusters.get(name);
      if (!cluster) {
        Object.assign(slot, { state: 'error', message: `cluster ${name} is not configured` });
        ok = false;
        return;
      }
      try {
        const r: ReleaseResult = await releaseToCluster({ ...opts, cluster });
        const st = r.release.state === 'succeeded' ? 'succeeded' : r.release.state === 'rolled-back' ? 'rolled-back' : 'rollback-failed';
        Object.assign(slot, {
          state: st,
          releaseId: r.release.id,
          ...(r.release.failedObject ? { failedObject: r.release.failedObject } : {}),
          ...(r.release.reason ? { reason: r.release.reason } : {}),
        });
        if (st !== 'succeeded') ok = false;
      } catch (err) {
        const e = toDroverError(err);
        Object.assign(slot, { state: e.code === 'E_ROLLBACK_FAILED' ? 'rollback-failed' : 'error', message: e.message });
        ok = false;
      }
    });
  }
  return { ok, clusters: outcomes };
}
