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
 * Protocol 2: the hub signs each index it writes with its signing key, with
 * a sequence above the last it wrote. Before re-writing, it verifies the
 * index it reads against its trusted keys and its last written sequence;
 * an index it cannot verify (unsigned, forged, replayed) is not believed:
 * its `retire` list is dropped, never re-published (a retire the hub did
 * not sign must not become one it signs), and its `bundles` are not carried
 * over either: the hub lists the bundles its own journal has released to
 * the environment's agent clusters (a bundle someone added to a forged
 * index is not followed on the hub's word). It says so in an event. Agent
 * statuses are believed as agent-status.ts says (signed, fresh, not Stale).
 *
 * @example
 *   const agents = agentOutcomes({ ws, environment: e, bundle: 'web', version: '1.0.2', digest });
 *   await fanOut({ ..., remote: agents });
 */
import { selfHealFor } from '../config/assemble.ts';
import type { EnvironmentConfig } from '../config/config.ts';
import { agentClustersOf } from '../config/lookups.ts';
import { readSigner, readTrustedKeys } from '../config/signing-keys.ts';
import { DocumentRefusedError, UnavailableError } from '../errors/errors.ts';
import type { OnEvent } from '../progress.ts';
import { type AgentStatus, type EnvironmentIndex, waveTag } from '../protocol/agent-protocol.ts';
import { freshnessRefusal, nextSequence } from '../protocol/document-freshness.ts';
import { runningOf } from '../release/environment-run.ts';
import type { ClusterOutcome } from '../release/fanout.ts';
import { acceptSequence, lastAcceptedSequence } from '../state/accepted-sequences.ts';
import { beginRelease, lastRelease, recordStep, type ReleaseState } from '../state/releases.ts';
import { listBundles } from '../state/versions.ts';
import { readAgentIndex, writeAgentIndex } from '../oci/index.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { type AgentReport, readAgentReport } from './agent-status.ts';

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
 * agents heal or report drift by it). Signed with the hub's key; an index
 * read that the hub cannot verify is not carried over (see the module's doc).
 */
export async function listInIndex({
  ws,
  environment: e,
  bundle,
  listed,
  onEvent,
  signal,
}: {
  ws: Workspace;
  environment: EnvironmentConfig;
  bundle: string;
  listed: boolean;
  onEvent?: OnEvent | undefined;
  signal?: AbortSignal | undefined;
}): Promise<void> {
  const signer = await readSigner({ config: ws.config, env: ws.env, signal });
  // A hub that signs nothing cannot expect its index signed: it reads it unverified (said at start-up).
  const trustedKeys = signer ? await readTrustedKeys({ config: ws.config, env: ws.env, signal }) : [];
  const subject = { kind: 'index' as const, subject: e.name };
  const lastWritten = lastAcceptedSequence(ws.db, subject);
  const trusted = await trustedIndex({ ws, environment: e.name, trustedKeys, lastWritten, signal });
  if ('distrust' in trusted)
    onEvent?.({
      phase: 'agent',
      subject: e.name,
      message: `the index of ${e.name} in the registry is not trusted (${trusted.distrust}): its retire list is dropped and its bundles are listed from this hub's journal`,
    });
  const index = 'index' in trusted ? trusted.index : undefined;
  if (index) acceptSequence(ws.db, { ...subject, sequence: index.sequence });
  const bundles = new Set('index' in trusted ? (index?.bundles ?? []) : journalBundles(ws, e));
  const retire = new Set(index?.retire ?? []);
  const tags = Object.fromEntries(agentClustersOf(ws.config, e).map((c) => [c, { tag: agentTag(e, c) }]));
  const policies = (names: Iterable<string>) =>
    Object.fromEntries([...names].sort().map((b) => [b, selfHealFor(ws.config, b)]));
  const unchanged =
    index !== undefined &&
    bundles.has(bundle) === listed &&
    retire.has(bundle) === !listed &&
    JSON.stringify(index.clusters) === JSON.stringify(tags) &&
    JSON.stringify(index.selfHeal) === JSON.stringify(policies(bundles));
  if (unchanged) return;
  (listed ? retire : bundles).delete(bundle);
  (listed ? bundles : retire).add(bundle);
  const sequence = nextSequence({ last: Math.max(lastWritten ?? 0, index?.sequence ?? 0), nowMs: Date.now() });
  await writeAgentIndex({
    stores: ws.stores,
    index: {
      sequence,
      environment: e.name,
      bundles: [...bundles],
      retire: [...retire],
      clusters: tags,
      selfHeal: policies(bundles),
    },
    signer,
    signal,
  });
  acceptSequence(ws.db, { ...subject, sequence });
}

/** The index in the registry if the hub believes it (signed by a trusted key, not older than what it wrote), else why not. */
async function trustedIndex({
  ws,
  environment,
  trustedKeys,
  lastWritten,
  signal,
}: {
  ws: Workspace;
  environment: string;
  trustedKeys: Parameters<typeof readAgentIndex>[0]['trustedKeys'];
  lastWritten: number | undefined;
  signal?: AbortSignal | undefined;
}): Promise<{ index: EnvironmentIndex | undefined } | { distrust: string }> {
  try {
    const read = await readAgentIndex({ stores: ws.stores, environment, trustedKeys, signal });
    if (!read) return { index: undefined };
    const stale = freshnessRefusal({ sequence: read.sequence, lastAccepted: lastWritten, nowMs: Date.now() });
    return stale ? { distrust: `${stale.reason}: ${stale.detail}` } : { index: read.document };
  } catch (err) {
    if (err instanceof DocumentRefusedError) return { distrust: err.message };
    throw err;
  }
}

/** The bundles this hub's journal has released to the environment's agent clusters and not retired there. */
function journalBundles(ws: Workspace, e: EnvironmentConfig): string[] {
  const clusters = agentClustersOf(ws.config, e);
  return listBundles(ws.db)
    .map((b) => b.name)
    .filter((b) =>
      clusters.some((c) => {
        const r = lastRelease(ws.db, b, c);
        return r !== undefined && r.kind !== 'retire';
      }),
    );
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
        onEvent: w.onEvent,
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

/**
 * Reads the cluster's status until it reports the digest ended, or the time
 * runs out. A refused status (unsigned, forged, replayed, future-dated) and
 * a Stale one are never taken as the report: each is said once in an event
 * and the wave waits.
 */
async function waitForReport(w: Waiting, cluster: string, deadline: number): Promise<RemoteOutcome> {
  const { ws, bundle, digest, signal } = w;
  const said = new Set<string>();
  const sayOnce = (message: string) => {
    if (said.has(message)) return;
    said.add(message);
    w.onEvent?.({ phase: 'agent', subject: cluster, message });
  };
  let last: AgentReport = { kind: 'none' };
  for (;;) {
    signal?.throwIfAborted();
    const r = await readAgentReport({ ws, bundle, cluster, signal }).catch((err: unknown): AgentReport => {
      if (err instanceof UnavailableError) return { kind: 'none' };
      throw err;
    });
    if (r.kind === 'refused') sayOnce(`${cluster}'s status refused (${r.reason}): ${r.message}`);
    else last = r;
    const s = r.kind === 'status' ? r.status : undefined;
    const about = s?.desired === digest;
    if (r.kind === 'status' && about && r.stale) sayOnce(`${r.staleMessage}; waiting for a fresh status`);
    const fresh = r.kind === 'status' && !r.stale;
    if (
      s &&
      fresh &&
      about &&
      (s.state === 'succeeded' || s.state === 'rolled-back' || s.state === 'rollback-failed')
    ) {
      journalReport(w, cluster, s);
      if (s.state === 'succeeded') return { state: 'succeeded' };
      return {
        state: s.state,
        ...(s.failedObject ? { failedObject: s.failedObject } : {}),
        ...(s.reason ? { reason: s.reason } : {}),
      };
    }
    if (s && fresh && about && s.state === 'refused')
      return { state: 'error', message: `${cluster}'s agent refused ${digest}: ${s.reason ?? 'no reason given'}` };
    if (Date.now() > deadline) {
      const ls = last.kind === 'status' ? last : undefined;
      return {
        state: 'error',
        dependency: 'agent',
        message: `${cluster}'s agent did not report ${bundle}@${digest.slice(0, 19)} within ${w.environment.timeoutSeconds}s${ls ? ` (last: ${ls.status.state} of ${ls.status.desired?.slice(0, 19) ?? 'nothing'} at ${ls.status.time}${ls.stale ? `; ${cluster} is Stale` : ''})` : ' (no status yet)'}${r.kind === 'refused' ? `; its status is refused: ${r.message}` : ''}`,
      };
    }
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
