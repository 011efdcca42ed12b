/**
 * `runRollout`: carries a plan out and returns its one outcome. It owns the
 * whole transaction of moving an environment to a version: every cluster's
 * content pulled by digest and its SOPS members decrypted before any cluster
 * is touched, and only after the version passed the trust gates (a digest
 * this hub cut, signed where the environment requires it: trust-gate.ts);
 * releases a crash left behind finished first; the channel tag
 * moved (channel-transaction.ts); the fan-out in waves to direct clusters
 * and agent clusters alike (release/fanout.ts, agent-clusters.ts); the tag
 * kept or put back; the versions quarantined (quarantine-rule.ts); the
 * outcome judged (outcome.ts) and journaled as one rollout
 * (state/rollouts.ts). A refused plan runs nothing. Deploy, promote,
 * rollback, the loop's tag following and the agent all come through here.
 *
 * @example
 *   const r = await runRollout(await planRollout(ws, { bundle: 'web', environment: 'prod', reason: 'promote' }), { ws });
 *   r.outcome // 'healthy' | 'rolled-back' | 'needs-person' | 'refused' | 'not-run'
 */
import { gt } from 'semver';
import type { Cluster } from '../cluster/cluster.ts';
import type { EnvironmentConfig } from '../config/config.ts';
import { type DroverError, toDroverError } from '../errors/errors.ts';
import type { OnEvent } from '../progress.ts';
import { fanOut, type FanOutResult } from '../release/fanout.ts';
import { recoverReleases } from '../release/recover.ts';
import type { BundleStore } from '../oci/index.ts';
import type { VersionContent } from '../bundle/version-content.ts';
import { isSopsEncrypted } from '../sops/detect.ts';
import { quarantineVersion } from '../state/quarantine.ts';
import { beginRollout, endRollout } from '../state/rollouts.ts';
import { sopsPreparer } from '../release/sops-preparer.ts';
import { environmentOf, environmentOfCluster } from '../config/lookups.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { agentOutcomes } from './agent-clusters.ts';
import { moveChannel } from './channel-transaction.ts';
import { failuresOf, judgeOutcome, type RolloutResult } from './outcome.ts';
import { plannedClusters, type RolloutPlan } from './plan.ts';
import { quarantineAfter } from './quarantine-rule.ts';
import { trustRefusal } from './trust-gate.ts';

export interface RunRolloutOptions {
  ws: Workspace;
  /** The bundle's store the plan read through: the version it loaded is not pulled again. */
  store?: BundleStore | undefined;
  onEvent?: OnEvent | undefined;
  signal?: AbortSignal | undefined;
}

export async function runRollout(plan: RolloutPlan, opts: RunRolloutOptions): Promise<RolloutResult> {
  const { ws } = opts;
  const id = beginRollout(ws.db, {
    planId: plan.id,
    bundle: plan.bundle,
    reason: plan.reason,
    environment: plan.environment,
    cluster: plan.cluster,
    version: plan.version ?? '',
    digest: plan.digest ?? '',
  });
  let result: RolloutResult;
  try {
    // Where the version came from (cut here, signed) is checked before anything is pulled for applying; a refusal is the plan's refusal.
    const gate = plan.refusal ? undefined : await trustRefusal({ ws, plan, signal: opts.signal });
    result =
      plan.refusal || gate ? refused({ ...plan, ...(gate ? { refusal: gate } : {}) }) : await carryOut(plan, opts);
  } catch (err) {
    const e: DroverError = toDroverError(err);
    endRollout(ws.db, id, { outcome: 'not-run', failures: [{ error: { code: e.code, message: e.message } }] });
    throw err;
  }
  endRollout(ws.db, id, { outcome: result.outcome, failures: result.failures });
  return result;
}

/** A refused plan's result: nothing ran, every cluster not started. */
function refused(plan: RolloutPlan): RolloutResult {
  const clusters = plannedClusters(plan).map((c) => ({
    cluster: c.cluster,
    wave: c.wave,
    state: 'not-started' as const,
  }));
  return {
    plan,
    outcome: 'refused',
    ok: false,
    failures: failuresOf({ clusters, refusal: plan.refusal }),
    bundle: plan.bundle,
    version: plan.version ?? '',
    digest: plan.digest ?? '',
    ...(plan.environment ? { environment: plan.environment } : {}),
    clusters,
    quarantined: [],
  };
}

/** What a rollout works with: the environment (or the one cluster's), the version handle, every cluster's content. */
interface Prepared {
  e: EnvironmentConfig | undefined;
  versions: BundleStore;
  target: VersionContent;
  clusters: Map<string, Cluster>;
  contentFor: (cluster: string, v: { digest: string }) => Promise<VersionContent>;
  loadVersion: (v: { digest: string }) => Promise<VersionContent>;
  prepare: ReturnType<typeof sopsPreparer>;
}

async function carryOut(plan: RolloutPlan, { ws, store, onEvent, signal }: RunRolloutOptions): Promise<RolloutResult> {
  const p = await prepareRollout(plan, { ws, store, onEvent, signal });
  const agents = p.e
    ? agentOutcomes({
        ws,
        environment: p.e,
        bundle: plan.bundle,
        version: p.target.version,
        digest: p.target.digest,
        onEvent,
        signal,
      })
    : undefined;
  const hasAgents = (agents?.clusters.size ?? 0) > 0;
  const waveTags = hasAgents && (p.e?.waves.length ?? 0) > 1;
  const tx = await moveChannel({
    plan,
    versions: p.versions,
    waveTags,
    agentsFollowTag: hasAgents && !waveTags,
    onEvent,
  });
  let fan: FanOutResult;
  try {
    fan = await fanOutPlan(plan, p, { ws, onEvent, signal }, hasAgents ? agents : undefined, tx.beforeWave);
  } catch (err) {
    await tx.putBack();
    throw err;
  }
  if (judgeOutcome({ clusters: fan.clusters }) === 'healthy') await tx.keep();
  else await tx.putBack();
  const channel = tx.result();
  const outcome = judgeOutcome({ clusters: fan.clusters, channel });
  const quarantined = quarantineAfter({ plan, outcome, clusters: fan.clusters, newer: gt });
  for (const q of quarantined)
    quarantineVersion(ws.db, {
      bundle: plan.bundle,
      version: q.version,
      environment: plan.environment!,
      reason: q.reason,
    });
  return {
    plan,
    outcome,
    ok: outcome === 'healthy',
    failures: failuresOf({ clusters: fan.clusters, channel }),
    bundle: plan.bundle,
    version: p.target.version,
    digest: p.target.digest,
    ...(plan.environment ? { environment: plan.environment } : {}),
    clusters: fan.clusters,
    ...(channel ? { channel } : {}),
    quarantined,
  };
}

/**
 * Every cluster's content, and every SOPS member of it decrypted once in
 * memory, before any cluster is touched (a missing target, a missing key or
 * a failed MAC stops here); then anything a crash left behind is finished or
 * rolled back before starting anew.
 */
async function prepareRollout(plan: RolloutPlan, { ws, store, onEvent, signal }: RunRolloutOptions): Promise<Prepared> {
  const e = plan.environment ? environmentOf(ws.config, plan.environment) : undefined;
  const versions = store ?? ws.versions(plan.bundle, { signal });
  const target = await versions.load(plan.digest!);
  const planned = plannedClusters(plan);
  const clusters = await ws.clusters(planned.filter((c) => c.mode === 'push').map((c) => c.cluster));
  // Each cluster takes its own target of a version, or its environment's (a deploy to one cluster: the environment that cluster is in).
  const environmentName = (c: string) => e?.name ?? environmentOfCluster(ws.config, c)?.name;
  const contentFor = (c: string, v: { digest: string }) =>
    versions.load(v.digest, {
      for: { cluster: c, ...(environmentName(c) ? { environment: environmentName(c)! } : {}) },
    });
  const loadVersion = ({ digest }: { digest: string }) => versions.load(digest);
  const prepare = sopsPreparer({ environments: [e ?? environmentOfCluster(ws.config, plan.cluster!)], env: ws.env });
  const contents = await Promise.all(planned.map((c) => contentFor(c.cluster, target)));
  await Promise.all(contents.flatMap((c) => c.members.filter(isSopsEncrypted).map(prepare)));
  await recoverReleases({
    db: ws.db,
    clusters,
    bundle: plan.bundle,
    loadVersion,
    contentFor,
    prepare,
    onEvent,
    signal,
  });
  return { e, versions, target, clusters, contentFor, loadVersion, prepare };
}

function fanOutPlan(
  plan: RolloutPlan,
  p: Prepared,
  { ws, onEvent, signal }: RunRolloutOptions,
  remote: Parameters<typeof fanOut>[0]['remote'],
  beforeWave: (wave: number) => Promise<void>,
): Promise<FanOutResult> {
  const { e } = p;
  return fanOut({
    db: ws.db,
    clusters: p.clusters,
    waves: plan.waves.map((w) => ({
      clusters: w.clusters.map((c) => c.cluster),
      ...(w.concurrency !== undefined ? { concurrency: w.concurrency } : {}),
    })),
    target: p.target,
    loadVersion: p.loadVersion,
    contentFor: p.contentFor,
    prepare: p.prepare,
    createNamespace: (e ?? environmentOfCluster(ws.config, plan.cluster!))?.createNamespace ?? false,
    selfManaged: ws.config.selfManaged.includes(plan.bundle),
    ...(e
      ? { environment: e.name, timeoutMs: e.timeoutSeconds * 1000, revertOnFailure: e.onFailure === 'revert' }
      : {}),
    ...(remote ? { remote } : {}),
    beforeWave,
    onEvent,
    signal,
  });
}
