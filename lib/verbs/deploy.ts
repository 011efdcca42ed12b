/**
 * `drover deploy B@V (--env E | --cluster C)`: release a version to an
 * environment's clusters in its waves, or to one cluster. The version (or a
 * digest) is resolved once and pulled by digest; to an environment, its
 * channel tag moves to it first and is put back if the rollout fails, so the
 * tag always names what the environment runs (`moveChannel: false` leaves the
 * tag alone: following a tag someone else moved). A deploy to one cluster
 * moves no tag: that cluster then differs from its environment's tag until
 * the next release there.
 */
import { toDroverError, UsageError } from '../errors/errors.ts';
import type { OnEvent } from '../progress.ts';
import { fanOut, type FanOutResult } from '../release/fanout.ts';
import { recoverReleases } from '../release/recover.ts';
import { isSopsEncrypted } from '../sops/detect.ts';
import { agentRollout } from '../workspace/agent-rollout.ts';
import { bundleVersions, channelTag } from '../workspace/bundle-versions.ts';
import { sopsPreparer } from '../workspace/sops-preparer.ts';
import { environmentOf, environmentOfCluster, isAgentCluster, type Workspace } from '../workspace/workspace.ts';

export interface DeployResult extends FanOutResult {
  bundle: string;
  version: string;
  digest: string;
  environment?: string;
  channel?: { tag: string; from?: string; to: string; restored: boolean; restoreError?: string };
}

export interface DeployOptions {
  ws: Workspace;
  bundle: string;
  /** A version, or a digest. */
  version: string;
  environment?: string;
  cluster?: string;
  /**
   * Move the environment's channel tag to the version before deploying, and
   * back if the rollout fails (default: whenever an environment is named, as
   * the tag is the environment's desired state and `drover serve` follows it).
   */
  moveChannel?: boolean;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

export async function deployVersion({
  ws,
  bundle,
  version,
  environment: envName,
  cluster,
  moveChannel = true,
  onEvent,
  signal,
}: DeployOptions): Promise<DeployResult> {
  if (!envName === !cluster) throw new UsageError('deploy needs exactly one of --env or --cluster');
  const e = envName ? environmentOf(ws, envName) : undefined;
  const versions = bundleVersions({ ws, bundle, signal });
  const target = await versions.load(version);
  const waves = e ? e.waves : [{ clusters: [cluster!] }];
  const names = [...new Set(waves.flatMap((w) => w.clusters))];
  const isAgent = (c: string) => isAgentCluster(ws, c);
  if (!e && isAgent(cluster!))
    throw new UsageError(
      `${cluster} is an agent cluster: it follows its environment's tag; deploy to the environment (--env ${environmentOfCluster(ws, cluster!)?.name ?? 'ENV'}) instead`,
      { data: { cluster } },
    );
  const clusters = await ws.clusters(names.filter((c) => !isAgent(c)));
  // Each cluster takes its own target of a version, or its environment's (deploy --cluster: the environment that cluster is in).
  const environmentName = (c: string) => e?.name ?? environmentOfCluster(ws, c)?.name;
  const contentFor = (c: string, v: { digest: string }) =>
    versions.load(v.digest, {
      for: { cluster: c, ...(environmentName(c) ? { environment: environmentName(c)! } : {}) },
    });
  const loadVersion = ({ digest }: { digest: string }) => versions.load(digest);
  const prepare = sopsPreparer({
    environments: [e ?? (cluster ? environmentOfCluster(ws, cluster) : undefined)],
    env: ws.env,
  });
  // Every cluster's content, and every SOPS member of it decrypted once in memory, before any cluster is touched: a missing target, a missing key or a failed MAC stops here.
  const contents = await Promise.all(names.map((c) => contentFor(c, target)));
  await Promise.all(contents.flatMap((c) => c.members.filter(isSopsEncrypted).map(prepare)));
  // Finish or roll back anything a crash left behind before starting anew.
  await recoverReleases({
    db: ws.db,
    clusters,
    bundle,
    loadVersion,
    contentFor,
    prepare,
    onEvent,
    signal,
  });

  // Agent clusters release themselves, following a tag (docs/agent-protocol.md); with waves, wave tags move in order and the environment's tag last.
  const agents = e
    ? agentRollout({
        ws,
        environment: e,
        bundle,
        version: target.version,
        digest: target.digest,
        versions,
        onEvent,
        signal,
      })
    : undefined;
  let channel: DeployResult['channel'];
  if (e && moveChannel) {
    const from = await versions.channel(e.name);
    // With wave tags the environment's tag moves last, when every wave is healthy (agents.settle).
    if (!agents?.waveTags) await versions.moveChannel(e.name, target.digest);
    channel = { tag: channelTag(e.name), ...(from ? { from } : {}), to: target.digest, restored: false };
  }
  const result = await fanOut({
    db: ws.db,
    clusters,
    waves,
    target,
    loadVersion,
    contentFor,
    prepare,
    createNamespace: (e ?? (cluster ? environmentOfCluster(ws, cluster) : undefined))?.createNamespace ?? false,
    selfManaged: ws.config.selfManaged.includes(bundle),
    ...(e
      ? { environment: e.name, timeoutMs: e.timeoutSeconds * 1000, revertOnFailure: e.onFailure === 'revert' }
      : {}),
    ...(agents && agents.clusters.size > 0 ? { remote: agents.remote, beforeWave: agents.beforeWave } : {}),
    onEvent,
    signal,
  });
  if (agents?.waveTags) {
    await agents.settle(result.ok);
    if (channel) channel.restored = !result.ok;
  } else if (!result.ok && channel?.from) {
    // The rollout's outcome is reported whatever the registry does now; a tag left on the failed version is said, not thrown.
    // Its own time limit: the tag must go back even when the work is being aborted (shutdown), as recovery restores the clusters.
    await versions.moveChannel(e!.name, channel.from, { signal: AbortSignal.timeout(10_000) }).then(
      () => (channel.restored = true),
      (err: unknown) => (channel.restoreError = toDroverError(err).message),
    );
  }
  return {
    ...result,
    bundle,
    version: target.version,
    digest: target.digest,
    ...(e ? { environment: e.name } : {}),
    ...(channel ? { channel } : {}),
  };
}
