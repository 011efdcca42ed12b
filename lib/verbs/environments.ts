/**
 * The environments in promotion order, each with its clusters, waves and
 * promotion policy, and what it runs of every bundle. What
 * `GET /api/v1/environments` answers.
 */
import type { EnvironmentConfig } from '../config/config.ts';
import { listBundles } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { environmentSummaries } from './bundles.ts';

export interface EnvironmentView extends Pick<EnvironmentConfig, 'name' | 'clusters' | 'waves' | 'promotion'> {
  bundles: { bundle: string; runs: string | null; healthySince: string | null }[];
}

export function environmentViews({ ws }: { ws: Workspace }): EnvironmentView[] {
  const runs = listBundles(ws.db).map((b) => ({ bundle: b.name, byEnvironment: environmentSummaries(ws, b.name) }));
  return ws.config.environments.map((e, i) => ({
    name: e.name,
    clusters: e.clusters,
    waves: e.waves,
    promotion: e.promotion,
    bundles: runs.map((r) => ({
      bundle: r.bundle,
      runs: r.byEnvironment[i]!.runs,
      healthySince: r.byEnvironment[i]!.healthySince,
    })),
  }));
}
