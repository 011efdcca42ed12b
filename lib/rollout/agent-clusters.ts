/**
 * The hub's side of a rollout to agent clusters (docs/agent-protocol.md):
 * the bundle is listed in the environment's index with the tag each agent
 * cluster follows, and the hub waits until each agent cluster reports the
 * version's digest healthy or failed; what it reports goes into the hub's
 * journal as a finished release, so what an environment runs, promotion and
 * history read it like any cluster's. Moving the tags agents follow (the
 * environment's, or its waves' `<env>.w<k>`) is the channel transaction's
 * (channel-transaction.ts).
 *
 * @example
 *   const agents = agentOutcomes({ ws, environment: e, bundle: 'web', version: '1.0.2', digest });
 *   await fanOut({ ..., remote: agents });
 */
import { selfHealFor } from '../config/assemble.ts';
import type { EnvironmentConfig } from '../config/config.ts';
import { agentClustersOf } from '../config/lookups.ts';
import { UnavailableError } from '../errors/errors.ts';
import type { OnEvent } from '../progress.ts';
import { type AgentStatus, waveTag } from '../protocol/agent-protocol.ts';
import { runningOf } from '../release/environment-run.ts';
import type { ClusterOutcome } from '../release/fanout.ts';
import { beginRelease, lastRelease, recordStep, type ReleaseState } from '../state/releases.ts';
import { readAgentIndex, readStatus, writeAgentIndex } from '../oci/index.ts';
import type { Workspace } from '../workspace/workspace.ts';

/** How often an agent's status is read while the hub waits for it. */
const STATUS_POLL_MS = 1_000;

type RemoteOutcome = Pick<ClusterOutcome, 'state' | 'failedObject' | 'reason' | 'message' | 'dependency'>;

export interface AgentOutcomes {
  /** Agent clusters of the environment; empty: nothing to do here. */
  clusters: ReadonlySet<string>;
  /** Waits for one agent cluster's report of the version (fanOut's `remote`). */
  outcome: (cluster: string, wave: number) => Promise<RemoteOutcome>;
}

/** The tag an agent cluster of `e` follows. */
export function agentTag(e: EnvironmentConfig, cluster: string): string {
  if (e.waves.length <= 1) return e.name;
  return waveTag(e.name, e.waves.findIndex((w) => w.clusters.includes(cluster)) + 1);
}

/**
 * Lists a bundle in the environment's index (to follow), or moves it to the
 * index's `retire` list (to remove), with the tag each agent cluster follows
 * and each listed bundle's drift policy (drover.yaml's `selfHeal`: the
 * agents heal or report drift by it).
 */
export async function listInIndex({
  ws,
  environment: e,
  bundle,
  listed,
  signal,
}: {
  ws: Workspace;
  environment: EnvironmentConfig;
  bundle: string;
  listed: boolean;
  signal?: AbortSignal | undefined;
}): Promise<void> {
  const index = await readAgentIndex({ stores: ws.stores, environment: e.name, signal });
  const bundles = new Set(index?.bundles ?? []);
  const retire = new Set(index?.retire ?? []);
  const tags = Object.fromEntries(agentClustersOf(ws.config, e).map((c) => [c, { tag: agentTag(e, c) }]));
  const policies = (names: Iterable<string>) =>
    Object.fromEntries([...names].sort().map((b) => [b, selfHealFor(ws.config, b)]));
  const unchanged =
    bundles.has(bundle) === listed &&
    retire.has(bundle) === !listed &&
    JSON.stringify(index?.clusters) === JSON.stringify(tags) &&
    JSON.stringify(index?.selfHeal) === JSON.stringify(policies(bundles));
  if (unchanged) return;
  (listed ? retire : bundles).delete(bundle);
  (listed ? bundles : retire).add(bundle);
  await writeAgentIndex({
    stores: ws.stores,
    index: {
      environment: e.name,
      bundles: [...bundles],
      retire: [...retire],
      clusters: tags,
      selfHeal: policies(bundles),
    },
    signal,
  });
}

interface Waiting {
  ws: Workspace;
  environment: EnvironmentConfig;
  bundle: string;
  version: string;
  digest: string;
  onEvent?: OnEvent | undefined;
  signal?: AbortSignal | undefined;
}

export function agentOutcomes(w: Waiting): AgentOutcomes {
  let indexed: Promise<void> | undefined;
  return {
    clusters: new Set(agentClustersOf(w.ws.config, w.environment)),
    outcome: async (cluster) => {
      // The index tells each agent which bundles to follow, and by which tag.
      await (indexed ??= listInIndex({
        ws: w.ws,
        environment: w.environment,
        bundle: w.bundle,
        listed: true,
        signal: w.signal,
      }));
      w.onEvent?.({
        phase: 'agent',
        subject: cluster,
        message: `waiting for ${cluster}'s agent to report ${w.digest.slice(0, 19)}`,
      });
      return waitForReport(w, cluster, Date.now() + w.environment.timeoutSeconds * 1000);
    },
  };
}

async function waitForReport(w: Waiting, cluster: string, deadline: number): Promise<RemoteOutcome> {
  const { ws, bundle, digest, signal } = w;
  for (;;) {
    signal?.throwIfAborted();
    const s = await readStatus({ stores: ws.stores, bundle, cluster, signal }).catch((err: unknown) => {
      if (err instanceof UnavailableError) return undefined;
      throw err;
    });
    const about = s?.desired === digest;
    if (s && about && (s.state === 'succeeded' || s.state === 'rolled-back' || s.state === 'rollback-failed')) {
      journalReport(w, cluster, s);
      if (s.state === 'succeeded') return { state: 'succeeded' };
      return {
        state: s.state,
        ...(s.failedObject ? { failedObject: s.failedObject } : {}),
        ...(s.reason ? { reason: s.reason } : {}),
      };
    }
    if (s && about && s.state === 'refused')
      return { state: 'error', message: `${cluster}'s agent refused ${digest}: ${s.reason ?? 'no reason given'}` };
    if (Date.now() > deadline)
      return {
        state: 'error',
        dependency: 'agent',
        message: `${cluster}'s agent did not report ${bundle}@${digest.slice(0, 19)} within ${w.environment.timeoutSeconds}s${s ? ` (last: ${s.state} of ${s.desired?.slice(0, 19) ?? 'nothing'} at ${s.time})` : ' (no status yet)'}`,
      };
    await new Promise((r) => setTimeout(r, STATUS_POLL_MS));
  }
}

/** What an agent reported, as a finished release in the hub's journal. */
function journalReport(
  { ws, environment: e, bundle, version, digest }: Waiting,
  cluster: string,
  s: AgentStatus,
): void {
  const before = runningOf(lastRelease(ws.db, bundle, cluster));
  const restored = s.state === 'rolled-back' ? (s.running ?? undefined) : before;
  const rel = beginRelease(ws.db, {
    bundle,
    cluster,
    environment: e.name,
    version,
    digest,
    ...(restored ? { fromVersion: restored.version, fromDigest: restored.digest } : {}),
    cause: `reported by ${cluster}'s agent (${s.agent}) at ${s.time}`,
  });
  if (s.state !== 'succeeded')
    recordStep(ws.db, rel.id, {
      state: 'failed',
      message: `${cluster}'s agent: ${s.reason ?? 'failed'}`,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.failedObject ? { failedObject: s.failedObject } : {}),
    });
  recordStep(ws.db, rel.id, {
    state: s.state as ReleaseState,
    message: `${cluster}'s agent reports ${s.state}${s.running ? `; it runs ${s.running.version} whole` : ''}`,
  });
}
