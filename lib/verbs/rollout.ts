/**
 * One rollout: a version of a bundle to one environment, as the dashboard
 * shows it. Per wave (drover.yaml's order) and cluster, every release of that
 * version there, newest first, each with its journal (the steps, in order),
 * the failed object and reason; beside them, the Kubernetes Events gathered
 * for that version across the environment's clusters, in time order (how the
 * root cause is found: the release says `CrashLoopBackOff`, the events say
 * which container and why).
 *
 * @example
 *   const r = rolloutView({ ws, bundle: 'web', version: '1.0.2', environment: 'dev' });
 *   r.waves[0].clusters[0].releases[0].steps // [{ state: 'planned', ... }, ...]
 */
import { NotFoundError } from '../errors/errors.ts';
import { listKubeEvents, type KubeEventRow } from '../state/events.ts';
import { releaseWithSteps } from '../state/queries.ts';
import { type ReleaseRecord, type ReleaseStep, releasesOfVersion } from '../state/releases.ts';
import { getVersion } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface RolloutView {
  bundle: string;
  version: string;
  environment: string;
  /** Overall: any cluster failed -> failed; any in flight -> releasing; all succeeded -> succeeded; none -> not-started. */
  outcome: 'succeeded' | 'failed' | 'releasing' | 'not-started';
  waves: { index: number; clusters: { cluster: string; releases: (ReleaseRecord & { steps: ReleaseStep[] })[] }[] }[];
  events: KubeEventRow[];
}

export function rolloutView({
  ws,
  bundle,
  version,
  environment,
}: {
  ws: Workspace;
  bundle: string;
  version: string;
  environment: string;
}): RolloutView {
  const env = ws.config.environments.find((e) => e.name === environment);
  if (!env)
    throw new NotFoundError(`${ws.config.file}: no environment named ${environment}`, { data: { environment } });
  if (!getVersion(ws.db, bundle, version))
    throw new NotFoundError(`no version ${bundle}@${version}`, { data: { bundle, version } });
  const releases = releasesOfVersion(ws.db, { bundle, version, environment, clusters: env.clusters }).map((r) =>
    releaseWithSteps(ws.db, r.id)!,
  );
  const waves = env.waves.map((w, index) => ({
    index,
    clusters: w.clusters.map((c) => ({ cluster: c, releases: releases.filter((r) => r.cluster === c) })),
  }));
  const newest = env.clusters.map((c) => releases.find((r) => r.cluster === c));
  const outcome: RolloutView['outcome'] = newest.some(
    (r) => r && ['rolled-back', 'rollback-failed', 'failed'].includes(r.state),
  )
    ? 'failed'
    : newest.some((r) => r && !r.finishedAt)
      ? 'releasing'
      : newest.every((r) => r?.state === 'succeeded')
        ? 'succeeded'
        : newest.some((r) => r)
          ? 'releasing'
          : 'not-started';
  const events = env.clusters
    .flatMap((cluster) => listKubeEvents(ws.db, { bundle, version, cluster }))
    .sort((a, b) => (a.lastAt < b.lastAt ? -1 : a.lastAt > b.lastAt ? 1 : 0));
  return { bundle, version, environment, outcome, waves, events };
}
