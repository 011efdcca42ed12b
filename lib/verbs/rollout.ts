/**
 * One rollout: a version of a bundle to one environment, as the dashboard
 * shows it: its one outcome from the rollout journal (state/rollouts.ts). Per wave (drover.yaml's order) and cluster, every release of that
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
import { listRollouts, type RolloutRecord } from '../state/rollouts.ts';
import { getVersion } from '../state/versions.ts';
import type { RolloutFailure, RolloutOutcome } from '../rollout/outcome.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface RolloutView {
  bundle: string;
  version: string;
  environment: string;
  /**
   * The newest rollout of this version here, by its one outcome (lib/rollout/outcome.ts); `in-progress` while it
   * runs, `interrupted` when it ended with its process, `not-started` when none was made (or before the rollout
   * journal existed).
   */
  outcome: RolloutOutcome | 'in-progress' | 'interrupted' | 'not-started';
  /** That rollout's failures, one per cluster (or the tag) that did not end on the version. */
  failures: RolloutFailure[];
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
  const last = listRollouts(ws.db, { bundle, environment, limit: 200 }).find((r) => r.version === version);
  const outcome = outcomeOf(last, newest);
  const events = env.clusters
    .flatMap((cluster) => listKubeEvents(ws.db, { bundle, version, cluster }))
    .sort((a, b) => (a.lastAt < b.lastAt ? -1 : a.lastAt > b.lastAt ? 1 : 0));
  return { bundle, version, environment, outcome, failures: (last?.failures ?? []) as RolloutFailure[], waves, events };
}

/** The rollout's recorded outcome; one still open is in progress while a release of it is, else it was interrupted. */
function outcomeOf(
  last: RolloutRecord | undefined,
  newest: readonly (ReleaseRecord | undefined)[],
): RolloutView['outcome'] {
  if (!last) return 'not-started';
  if (last.outcome) return last.outcome as RolloutOutcome;
  return newest.some((r) => r && !r.finishedAt) ? 'in-progress' : 'interrupted';
}
