/**
 * `drover promote B --to E [--version V]`: move E's channel tag to the
 * version the previous environment runs healthy (or to V) and deploy it; a
 * version quarantined in E is refused unless named.
 */
import { ConflictError, UsageError } from '../errors/errors.ts';
import { environmentRun } from '../release/environment-run.ts';
import { isQuarantined } from '../state/quarantine.ts';
import { lastReleases } from '../state/releases.ts';
import { environmentOf } from '../workspace/workspace.ts';
import { type DeployOptions, type DeployResult, deployVersion } from './deploy.ts';

/** Moves `to`'s channel tag to the version healthy in the previous environment (or `version`) and deploys it. */
export async function promote({
  ws,
  bundle,
  to,
  version,
  ...rest
}: Omit<DeployOptions, 'version' | 'environment' | 'cluster'> & {
  to: string;
  version?: string;
}): Promise<DeployResult> {
  const idx = ws.config.environments.indexOf(environmentOf(ws, to));
  let chosen = version;
  if (!chosen) {
    const prev = ws.config.environments[idx - 1];
    if (!prev) throw new UsageError(`${to} is the first environment: name a version with --version`);
    const run = environmentRun(lastReleases(ws.db, { bundle, clusters: prev.clusters }));
    if (!run.runs)
      throw new ConflictError(
        `${bundle} is not healthy on one version in ${prev.name}${run.notHealthy.length ? ` (not healthy: ${run.notHealthy.join(', ')})` : ''}`,
        { data: { environment: prev.name } },
      );
    if (isQuarantined(ws.db, { bundle, version: run.runs, environment: to }))
      throw new ConflictError(
        `${bundle}@${run.runs} was rolled back from ${to} and is quarantined; name it with --version to promote it anyway`,
      );
    chosen = run.runs;
  }
  return deployVersion({ ws, bundle, version: chosen, environment: to, moveChannel: true, ...rest });
}
