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
import { environmentOf } from '../workspace/workspace.ts';
import { type DeployOptions, type DeployResult, deployVersion } from './deploy.ts';

/** Moves an environment's channel tag back (to `to`, or the previous good version), deploys it, and quarantines the version left. */
export async function rollbackEnvironment({ ws, bundle, environment: envName, to, ...rest }: Omit<DeployOptions, 'version' | 'cluster' | 'environment'> & { environment: string; to?: string }): Promise<DeployResult> {
  const e = environmentOf(ws, envName);
  const versions = bundleVersions({ ws, bundle, ...(rest.signal ? { signal: rest.signal } : {}) });
  const tagged = await versions.channel(e.name);
  const current = tagged ? (await versions.load(tagged)).version : undefined;
  const succeeded = e.clusters.flatMap((c) => listReleases(ws.db, { bundle, cluster: c, limit: 1000 })).filter((r) => r.state === 'succeeded' && r.kind === 'release').sort((a, b) => b.id - a.id);
  const target = to ?? previousGoodVersion(current, succeeded, gt).version;
  const result = await deployVersion({ ws, bundle, version: target, environment: e.name, moveChannel: true, ...rest });
  if (result.ok && current && current !== result.version) quarantineVersion(ws.db, { bundle, version: current, environment: e.name, reason: `rolled back to ${result.version}` });
  return result;
}
