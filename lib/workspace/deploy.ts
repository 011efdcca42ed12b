/**
 * Deploy, promote and roll back, by registry tag. A deploy resolves the
 * version tag to a digest once and pulls by digest. An environment's channel
 * tag (`dev`, `prod`...) points at the digest it runs: promotion moves it to
 * what is healthy in the previous environment, rollback moves it back (and
 * quarantines the version rolled away from). If the rollout fails, the tag is
 * put back where it was, so it always names what the environment runs.
 */
import { gt } from 'semver';
import type { EnvironmentConfig } from '../config/config.ts';
import { ConflictError, NotFoundError, UsageError } from '../errors/errors.ts';
import type { OnEvent } from '../progress.ts';
import { environmentRun, previousGoodVersion } from '../release/channels.ts';
import { fanOut, type FanOutResult } from '../release/fanout.ts';
import { recoverReleases } from '../release/recover.ts';
import { isSopsEncrypted } from '../sops/index.ts';
import { isQuarantined, quarantineVersion } from '../state/quarantine.ts';
import { lastRelease, listReleases } from '../state/releases.ts';
import { sopsPreparer } from './sops-preparer.ts';
import { loadVersionContent } from './version-content.ts';
import type { Workspace } from './workspace.ts';

export interface DeployResult extends FanOutResult {
  bundle: string;
  version: string;
  digest: string;
  environment?: string;
  channel?: { tag: string; from?: string; to: string; restored: boolean };
}

function environment(ws: Workspace, name: string): EnvironmentConfig {
  const e = ws.config.environments.find((x) => x.name === name);
  if (!e) throw new NotFoundError(`${ws.config.file}: no environment named ${name}`, { data: { environment: name } });
  return e;
}

export interface DeployOptions {
  ws: Workspace;
  bundle: string;
  /** A version, or a digest. */
  version: string;
  environment?: string;
  cluster?: string;
  /** Move the environment's channel tag to the version before deploying (promotion and rollback do). */
  moveChannel?: boolean;
  env?: NodeJS.ProcessEnv;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

export async function deployVersion({ ws, bundle, version, environment: envName, cluster, moveChannel = false, env = {}, onEvent, signal }: DeployOptions): Promise<DeployResult> {
  if (!envName === !cluster) throw new UsageError('deploy needs exactly one of --env or --cluster');
  const e = envName ? environment(ws, envName) : undefined;
  const store = ws.stores.open(bundle);
  const target = await loadVersionContent({ store, bundle, reference: version, ...(signal ? { signal } : {}) });
  const waves = e ? e.waves : [{ clusters: [cluster!] }];
  const clusters = await ws.clusters([...new Set(waves.flatMap((w) => w.clusters))]);
  const loadVersion = ({ digest }: { digest: string }) => loadVersionContent({ store, bundle, reference: digest, ...(signal ? { signal } : {}) });
  const prepare = sopsPreparer({ environments: [e], env });
  // Decrypt every SOPS member once, in memory, before any cluster is touched: a missing key or a failed MAC stops here.
  await Promise.all(target.members.filter(isSopsEncrypted).map(prepare));
  // Finish or roll back anything a crash left behind before starting anew.
  await recoverReleases({ db: ws.db, clusters, bundle, loadVersion, prepare, ...(onEvent ? { onEvent } : {}), ...(signal ? { signal } : {}) });

  let channel: DeployResult['channel'];
  if (e && moveChannel) {
    const from = await store.resolve({ tag: e.name, ...(signal ? { signal } : {}) }).then((d) => d.digest, () => undefined);
    await store.tag({ digest: target.digest as `sha256:${string}`, tag: e.name, ...(signal ? { signal } : {}) });
    channel = { tag: e.name, ...(from ? { from } : {}), to: target.digest, restored: false };
  }
  const result = await fanOut({
    db: ws.db,
    clusters,
    waves,
    target,
    loadVersion,
    prepare,
    ...(e ? { environment: e.name, timeoutMs: e.timeoutSeconds * 1000, revertOnFailure: e.onFailure === 'revert' } : {}),
    ...(onEvent ? { onEvent } : {}),
    ...(signal ? { signal } : {}),
  });
  if (!result.ok && channel?.from) {
    await store.tag({ digest: channel.from as `sha256:${string}`, tag: channel.tag, ...(signal ? { signal } : {}) });
    channel.restored = true;
  }
  return { ...result, bundle, version: target.version, digest: target.digest, ...(e ? { environment: e.name } : {}), ...(channel ? { channel } : {}) };
}

/** Moves `to`'s channel tag to the version healthy in the previous environment (or `version`) and deploys it. */
export async function promote({ ws, bundle, to, version, ...rest }: Omit<DeployOptions, 'version' | 'environment' | 'cluster'> & { to: string; version?: string }): Promise<DeployResult> {
  const idx = ws.config.environments.findIndex((x) => x.name === to);
  if (idx < 0) throw new NotFoundError(`${ws.config.file}: no environment named ${to}`);
  let chosen = version;
  if (!chosen) {
    const prev = ws.config.environments[idx - 1];
    if (!prev) throw new UsageError(`${to} is the first environment: name a version with --version`);
    const run = environmentRun(prev.clusters, (c) => lastRelease(ws.db, bundle, c));
    if (!run.version) throw new ConflictError(`${bundle} is not healthy on one version in ${prev.name}${run.notHealthy.length ? ` (not healthy: ${run.notHealthy.join(', ')})` : ''}`, { data: { environment: prev.name } });
    if (isQuarantined(ws.db, { bundle, version: run.version, environment: to })) throw new ConflictError(`${bundle}@${run.version} was rolled back from ${to} and is quarantined; name it with --version to promote it anyway`);
    chosen = run.version;
  }
  return deployVersion({ ws, bundle, version: chosen, environment: to, moveChannel: true, ...rest });
}

/** Moves an environment's channel tag back (to `to`, or the previous good version), deploys it, and quarantines the version left. */
export async function rollbackEnvironment({ ws, bundle, environment: envName, to, ...rest }: Omit<DeployOptions, 'version' | 'cluster' | 'environment'> & { environment: string; to?: string }): Promise<DeployResult> {
  const e = environment(ws, envName);
  const store = ws.stores.open(bundle);
  const current = await store.resolve({ tag: e.name }).then(
    async (d) => (await loadVersionContent({ store, bundle, reference: d.digest })).version,
    () => undefined,
  );
  const succeeded = e.clusters.flatMap((c) => listReleases(ws.db, { bundle, cluster: c, limit: 1000 })).filter((r) => r.state === 'succeeded' && r.kind === 'release').sort((a, b) => b.id - a.id);
  const target = to ?? previousGoodVersion(current, succeeded, gt).version;
  const result = await deployVersion({ ws, bundle, version: target, environment: e.name, moveChannel: true, ...rest });
  if (result.ok && current && current !== result.version) quarantineVersion(ws.db, { bundle, version: current, environment: e.name, reason: `rolled back to ${result.version}` });
  return result;
}
