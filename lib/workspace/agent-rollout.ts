/**
 * The hub's side of a rollout to an environment with agent clusters
 * (docs/agent-protocol.md): the bundle is listed in the environment's index
 * with the tag each agent cluster follows; with waves, each wave's tag
 * `<env>.w<k>` moves to the version as the wave starts (canary first) and
 * the hub waits until every agent cluster of the wave reports that digest
 * healthy, or failed (then the fan-out stops and the moved wave tags go back,
 * so the agents restore the previous version whole). The environment's own
 * tag moves last, when every wave is healthy; without waves agents follow
 * `<env>` itself, moved first as for push clusters.
 *
 * @example
 *   const agents = agentRollout({ ws, environment: e, bundle: 'web', digest, versions });
 *   await fanOut({ ..., remote: agents.remote, beforeWave: agents.beforeWave });
 *   await agents.settle(result.ok);
 */
import { selfHealFor } from '../config/assemble.ts';
import type { EnvironmentConfig } from '../config/config.ts';
import { UnavailableError } from '../errors/errors.ts';
import type { OnEvent } from '../progress.ts';
import { type AgentStatus, waveTag } from '../protocol/agent-protocol.ts';
import { runningOf } from '../release/environment-run.ts';
import { beginRelease, lastRelease, recordStep, type ReleaseState } from '../state/releases.ts';
import type { ClusterOutcome } from '../release/fanout.ts';
import { readIndex, readStatus, writeIndex } from './agent-registry.ts';
import type { BundleVersions } from './bundle-versions.ts';
import { isAgentCluster, type Workspace } from './workspace.ts';

/** How often an agent's status is read while the hub waits for it. */
const STATUS_POLL_MS = 1_000;

export interface AgentRollout {
  /** Agent clusters of the environment; empty: nothing to do here. */
  clusters: ReadonlySet<string>;
  /** Whether agents follow wave tags (the environment has waves and agents). */
  waveTags: boolean;
  remote: {
    clusters: ReadonlySet<string>;
    outcome: (
      cluster: string,
      wave: number,
    ) => Promise<Pick<ClusterOutcome, 'state' | 'failedObject' | 'reason' | 'message' | 'dependency'>>;
  };
  beforeWave: (wave: number) => Promise<void>;
  /** After the fan-out: with wave tags, the environment's tag on success, or every moved wave tag back on failure. */
  settle: (ok: boolean) => Promise<void>;
}

export const agentClustersOf = (ws: Pick<Workspace, 'config'>, e: EnvironmentConfig): string[] =>
  e.clusters.filter((c) => isAgentCluster(ws, c));

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
  signal?: AbortSignal;
}): Promise<void> {
  const index = await readIndex({ stores: ws.stores, environment: e.name, signal });
  const bundles = new Set(index?.bundles ?? []);
  const retire = new Set(index?.retire ?? []);
  const tags = Object.fromEntries(agentClustersOf(ws, e).map((c) => [c, { tag: agentTag(e, c) }]));
  const policies = (names: Iterable<string>) =>
    Object.fromEntries([...names].sort().map((b) => [b, selfHealFor(ws.config, b)]));
  const unchanged =
    bundles.has(bundle) === listed &&
    retire.has(bundle) === !listed &&
    JSON.stringify(index?.clusters) === JSON.stringify(tags) &&
    JSON.stringify(index?.selfHeal) === JSON.stringify(policies(bundles));
  if (unchanged) return;
  if (listed) {
    bundles.add(bundle);
    retire.delete(bundle);
  } else {
    bundles.delete(bundle);
    retire.add(bundle);
  }
  await writeIndex({
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

export function agentRollout({
  ws,
  environment: e,
  bundle,
  version,
  digest,
  versions,
  onEvent,
  signal,
}: {
  ws: Workspace;
  environment: EnvironmentConfig;
  bundle: string;
  version: string;
  digest: string;
  versions: BundleVersions;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}): AgentRollout {
  const clusters = new Set(agentClustersOf(ws, e));
  const waveTags = clusters.size > 0 && e.waves.length > 1;
  const moved: { tag: string; from: string | undefined }[] = [];
  const deadline = Date.now() + e.timeoutSeconds * 1000;

  const listed = async () => {
    // The index tells each agent which bundles to follow, and by which tag.
    await listInIndex({ ws, environment: e, bundle, listed: true, signal });
  };
  let indexed: Promise<void> | undefined;
  // What an agent reported goes into the hub's journal as a finished release, so what an environment runs, promotion and history read it like any cluster's.
  const journal = (cluster: string, s: AgentStatus) => {
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
  };

  return {
    clusters,
    waveTags,
    remote: {
      clusters,
      outcome: async (cluster) => {
        await (indexed ??= listed());
        onEvent?.({
          phase: 'agent',
          subject: cluster,
          message: `waiting for ${cluster}'s agent to report ${digest.slice(0, 19)}`,
        });
        for (;;) {
          signal?.throwIfAborted();
          const s = await readStatus({ stores: ws.stores, bundle, cluster, signal }).catch((err: unknown) => {
            if (err instanceof UnavailableError) return undefined;
            throw err;
          });
          if (
            s &&
            s.desired === digest &&
            (s.state === 'succeeded' || s.state === 'rolled-back' || s.state === 'rollback-failed')
          ) {
            journal(cluster, s);
            if (s.state === 'succeeded') return { state: 'succeeded' };
            return {
              state: s.state,
              ...(s.failedObject ? { failedObject: s.failedObject } : {}),
              ...(s.reason ? { reason: s.reason } : {}),
            };
          }
          if (s && s.desired === digest && s.state === 'refused')
            return {
              state: 'error',
              message: `${cluster}'s agent refused ${digest}: ${s.reason ?? 'no reason given'}`,
            };
          if (Date.now() > deadline)
            return {
              state: 'error',
              dependency: 'agent',
              message: `${cluster}'s agent did not report ${bundle}@${digest.slice(0, 19)} within ${e.timeoutSeconds}s${s ? ` (last: ${s.state} of ${s.desired?.slice(0, 19) ?? 'nothing'} at ${s.time})` : ' (no status yet)'}`,
            };
          await new Promise((r) => setTimeout(r, STATUS_POLL_MS));
        }
      },
    },
    beforeWave: async (wave) => {
      if (!waveTags) return;
      const tag = waveTag(e.name, wave);
      const from = await versions.tagged(tag);
      await versions.moveTag(tag, digest);
      moved.push({ tag, from });
      onEvent?.({ phase: 'agent', message: `moved ${tag} to ${digest.slice(0, 19)}` });
    },
    settle: async (ok) => {
      if (!waveTags) return;
      if (ok) {
        await versions.moveChannel(e.name, digest, { signal: AbortSignal.timeout(10_000) });
        return;
      }
      // The agents of the waves already moved restore the previous version whole when their tag goes back.
      for (const m of moved.reverse()) {
        if (m.from) await versions.moveTag(m.tag, m.from, { signal: AbortSignal.timeout(10_000) });
      }
    },
  };
}
