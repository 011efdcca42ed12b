/**
 * `drover rollback B --env E [--to V]`: move E's channel tag back (to V, or
 * the previous version that ran healthy there), deploy it, and quarantine the
 * version rolled away from so automation does not bring it back.
 */
import { gt } from 'semver';
import { previousGoodVersion } from '../release/channels.ts';
import { quarantineVersion } from '../state/quarantine.ts';
import { listReleases } from '../state/releases.ts';
import { bundleVersions } from '../workspace/bundle-versions.ts';
import { environmentOf, type Workspace } from '../workspace/workspace.ts';
import { type DeployOptions, type DeployResult, deployVersion } from './deploy.ts';

/** Moves an environment's channel tag back (to `to`, or the previous good version), deploys it, and quarantines the version left. */
/** What a rollback of `environment` would do, without doing it: the version its tag names now, and the version it would go back to (`to`, or the previous one that ran healthy there). */
export async function planRollback({
  ws,
  bundle,
  environment: envName,
  to,
  signal,
}: {
  ws: Workspace;
  bundle: string;
  environment: string;
  to?: string;
  signal?: AbortSignal;
}): Promise<{ environment: string; from: string | undefined; to: string }> {
  const e = environmentOf(ws, envName);
  const versions = bundleVersions({ ws, bundle, signal });
  const tagged = await versions.channel(e.name);
  const current = tagged ? (await versions.load(tagged)).version : undefined;
  const succeeded = e.clusters
    .flatMap((c) => listReleases(ws.db, { bundle, cluster: c, limit: 1000 }))
    .filter((r) => r.state === 'succeeded' && r.kind === 'release')
    .sort((a, b) => b.id - a.id);
  return { environment: e.name, from: current, to: to ?? previousGoodVersion(current, succeeded, gt).version };
}

export async function rollbackEnvironment({
  ws,
  bundle,
  environment: envName,
  to,
  ...rest
}: Omit<DeployOptions, 'version' | 'cluster' | 'environment'> & {
  environment: string;
  to?: string;
}): Promise<DeployResult> {
  const plan = await planRollback({
    ws,
    bundle,
    environment: envName,
    ...(to ? { to } : {}),
    signal: rest.signal,
  });
  const current = plan.from;
  const result = await deployVersion({
    ws,
    bundle,
    version: plan.to,
    environment: plan.environment,
    moveChannel: true,
    ...rest,
  });
  if (result.ok && current && current !== result.version)
    quarantineVersion(ws.db, {
      bundle,
      version: current,
      environment: plan.environment,
      reason: `rolled back to ${result.version}`,
    });
  return result;
}
