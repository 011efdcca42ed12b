/**
 * `drover agent`: pull mode inside one cluster (docs/agent-protocol.md). It
 * knows only the registry, its environment and its cluster: every
 * `indexSeconds` (30) it reads the environment's index (the bundles to follow, and the
 * tag its cluster follows: `<env>`, or its wave's `<env>.w<k>`), every poll
 * each of those tags (one HEAD), and for each bundle
 * whose tag names another digest than the cluster's inventory says it runs
 * whole, releases that digest to its cluster with the same engine as the hub
 * (checked as a Drover version of the bundle first; dry run, staged apply,
 * verify, whole-bundle rollback, prune by inventory), then publishes its
 * status to `drover.status/<cluster>:<bundle>`.
 *
 * The in-cluster inventory is its truth; its state directory (journal,
 * leases) is a cache it can lose: after a SIGKILL the journal, if kept,
 * restores the interrupted release first, and if wiped, the next release
 * owns what the interrupted one left (the inventory's `pending`) and takes
 * the cluster to one whole version. A digest it failed or refused is not
 * retried until the tag moves (its status says why). A registry it cannot
 * reach never means deletion: it keeps what runs and tries again next poll.
 *
 * Protocol 2 (docs/agent-protocol.md): with the hub's public keys
 * (`trustedKeys`), the agent believes only an index signed by one of them
 * and not older (by sequence) than the last it accepted (kept in its state
 * database); a refused index changes nothing: the last accepted one is
 * still followed, nothing new is retired or deleted, and the log says why.
 * Before applying a digest it verifies a signature by one of those keys on
 * exactly that digest (cached per digest) and releases that digest; an
 * unsigned, untrusted or copied signature is status `refused`, nothing
 * applied. With its own key (`signer`) it signs each status; every status
 * carries a sequence above the last it wrote, and is written again every
 * poll so the hub can tell a running agent from a gone one (Stale). Without
 * keys it says at start-up what it does not verify or sign.
 *
 * @example
 *   await runAgent({ registry: 'oci://registry.example/drover', environment: 'edge', cluster: 'c3', kubeconfig, stateDir, stop, write });
 */
import { writeFileSync } from 'node:fs';
import { flushCompileCache } from 'node:module';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { unusableReasonOf } from '../bundle/artifact-check.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { assembleConfig } from '../config/assemble.ts';
import { DocumentRefusedError, toDroverError, UsageError } from '../errors/errors.ts';
import { makePrivateDir } from '../foundation/private-files.ts';
import { type AgentState, type AgentStatus, type EnvironmentIndex, PROTOCOL } from '../protocol/agent-protocol.ts';
import { freshnessRefusal, nextSequence } from '../protocol/document-freshness.ts';
import { parsePublicKey, type TrustedKey } from '../signature/public-key.ts';
import type { Signer } from '../signature/signer.ts';
import { acceptSequence, lastAcceptedSequence } from '../state/accepted-sequences.ts';
import { readInventory } from '../release/inventory.ts';
import { inventoryMissing } from '../release/refusal.ts';
import { retireFromCluster } from '../release/retire.ts';
import { type DeployResult, planAndRun } from '../verbs/deploy.ts';
import { type Digest, readAgentIndex, readStatus, verifyVersionSignature, writeStatus } from '../oci/index.ts';
import { openWorkspaceWith, type Workspace } from '../workspace/workspace.ts';
import { type AgentDriftTracker, agentDrift } from './agent-drift.ts';
import { readAgentKeys } from './agent-keys.ts';
import { createLogger, eventLogger, type Logger, type LogLevel } from './log.ts';

export interface AgentOptions {
  /** `oci://host[:port]/prefix`, as the hub's drover.yaml says. */
  registry: string;
  /** Token realms besides the registry's own host that may be sent its credentials (the hub's `registryAuth.tokenRealms`). */
  tokenRealms?: string[];
  environment: string;
  cluster: string;
  /**
   * The cluster's kubeconfig and context (default: the cluster's name).
   * Without one, inside a Pod: the Pod's ServiceAccount (`inClusterKubeconfig`).
   */
  kubeconfig?: string;
  context?: string;
  /** Where the agent keeps its cache (journal, leases); losing it loses nothing. */
  stateDir: string;
  pollSeconds?: number;
  /** How often the environment's index is read (default 30 s; at least every poll). */
  indexSeconds?: number;
  /** How long a release may take to become healthy. */
  timeoutSeconds?: number;
  /** PEM files of the hub's public keys (`--trusted-key`): the index and every version must be signed by one. None: nothing verified (said at start-up). */
  trustedKeyFiles?: string[];
  /** The agent's own private key (PEM), from a file (`--key-file`) or an environment variable (`--key-env`): signs its statuses. */
  keyFile?: string;
  keyEnv?: string;
  env?: NodeJS.ProcessEnv;
  stop: AbortSignal;
  write: (line: string) => void;
  logLevel?: LogLevel;
}

export const AGENT_ID = 'drover-agent/0.1.0';

/** The Pod's own ServiceAccount as a kubeconfig (the API server's in-cluster name, the projected token and CA), as deploy/kubeconfig does for the hub. */
export function inClusterKubeconfig(env: NodeJS.ProcessEnv): string {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) throw new UsageError('no --kubeconfig, and not inside a Pod (KUBERNETES_SERVICE_HOST is unset)');
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'in-cluster', cluster: { server, 'certificate-authority': `${sa}/ca.crt` } }],
    users: [{ name: 'drover-agent', user: { 'token-file': `${sa}/token` } }],
    contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'drover-agent' } }],
    'current-context': 'in-cluster',
  });
}

/** The agent's own workspace: one cluster, one environment holding it, no sources; drover.yaml's defaults, without its schema (the flags were checked by the CLI). */
export function agentConfig({
  registry,
  tokenRealms,
  environment,
  cluster,
  kubeconfig,
  context,
  stateDir,
  timeoutSeconds,
  env = {},
}: AgentOptions) {
  if (!kubeconfig) {
    kubeconfig = join(stateDir, 'in-cluster.kubeconfig');
    writeFileSync(kubeconfig, inClusterKubeconfig(env), { mode: 0o600 });
    context = 'in-cluster';
  }
  return assembleConfig({
    doc: {
      sources: [],
      registry,
      ...(tokenRealms?.length ? { registryAuth: { tokenRealms } } : {}),
      state: join(stateDir, 'agent.db'),
      kubeconfig: resolve(kubeconfig),
      clusters: [{ name: cluster, context: context ?? cluster }],
      environments: [{ name: environment, clusters: [cluster], ...(timeoutSeconds ? { timeoutSeconds } : {}) }],
    },
    file: join(stateDir, '(drover agent)'),
  });
}

export async function runAgent(opts: AgentOptions): Promise<void> {
  const { environment, cluster, stop, pollSeconds = 30, env = {} } = opts;
  // Its own folder when it makes it (0700); one given to it (a volume's mount point) keeps its mode.
  makePrivateDir({ path: opts.stateDir });
  const keys = await readAgentKeys({
    trustedKeyFiles: opts.trustedKeyFiles,
    keyFile: opts.keyFile,
    keyEnv: opts.keyEnv,
    env,
    signal: stop,
  });
  const log = createLogger({ write: opts.write, level: opts.logLevel ?? 'info', secrets: keys.secrets }).with({
    agent: cluster,
    environment,
  });
  const ws = await openWorkspaceWith({ config: agentConfig(opts), env, signal: stop });
  const last = new Map<string, AgentStatus>();
  let registryDown: string | undefined;
  let downSince = '';
  let drift: AgentDriftTracker | undefined;
  const { trustedKeys, signer } = keys;
  announce({ log, opts, pollSeconds, trustedKeys, signer });
  try {
    const kube = (await ws.clusters([cluster])).get(cluster)!;
    const agent: AgentContext = {
      ws,
      kube,
      log,
      last,
      environment,
      cluster,
      stop,
      trustedKeys,
      signer,
      ownKeys: signer ? [parsePublicKey({ pem: signer.publicKeyPem, name: 'the agent key' })] : [],
      written: { sequence: undefined },
      pollSeconds,
    };
    const indexReader = followedIndex(agent);
    drift = agentDrift({ ws, log, cluster, signal: stop });
    // The index changes rarely (a bundle added or retired): read every indexSeconds, the tags on every poll.
    const indexEvery = Math.max(1, Math.round((opts.indexSeconds ?? 30) / pollSeconds));
    let index: EnvironmentIndex | undefined;
    for (let round = 0; !stop.aborted; round++) {
      try {
        if (round % indexEvery === 0 || registryDown || !index) {
          index = await indexReader(index);
          // Drift is judged per the index's policies, from the first index on.
          if (index) await drift.follow(index);
        }
        if (registryDown) await reportOutage(agent, { was: registryDown, since: downSince });
        registryDown = undefined;
        await followIndex(agent, { index, drift });
      } catch (err) {
        const e = toDroverError(err);
        // Nothing is deleted or undone while the registry is away; said once per outage.
        if (registryDown === undefined) {
          downSince = new Date().toISOString();
          log.warn(`registry not readable: ${e.message}; keeping what runs`, { error: e });
        }
        registryDown = e.message;
      }
      // What the first round loaded is written to Node's compile cache now, not at exit (a SIGKILL has none): the next start loads no TypeScript stripper.
      if (round === 0) flushCompileCache?.();
      await new Promise<void>((r) => {
        const t = setTimeout(r, pollSeconds * 1000);
        stop.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
    }
  } finally {
    await drift?.stop();
    ws.close();
    log.info('agent stopped');
  }
}

/** What the agent says at start-up: what it does not verify or sign, then that it started. */
function announce({
  log,
  opts,
  pollSeconds,
  trustedKeys,
  signer,
}: {
  log: Logger;
  opts: AgentOptions;
  pollSeconds: number;
  trustedKeys: readonly TrustedKey[];
  signer: Signer | undefined;
}): void {
  if (trustedKeys.length === 0)
    log.warn(
      'the index and versions are not verified: no --trusted-key given (anyone who can write to the registry can deploy to and retire from this cluster)',
    );
  if (!signer)
    log.warn(
      'statuses are written unsigned: no --key-file or --key-env (a hub naming an agentKey for this cluster refuses them)',
    );
  log.info('agent started', {
    registry: opts.registry,
    pollSeconds,
    stateDir: opts.stateDir,
    protocol: PROTOCOL,
    trustedKeys: trustedKeys.map((k) => k.keyId),
    ...(signer ? { keyId: signer.keyId } : {}),
  });
}

/** What every step of the agent works with: its workspace and cluster, its log, its keys, and what it last said of each bundle. */
interface AgentContext {
  ws: Workspace;
  kube: Cluster;
  log: Logger;
  last: Map<string, AgentStatus>;
  environment: string;
  cluster: string;
  stop: AbortSignal;
  /** The hub's keys: the index and versions must be signed by one (none: not verified). */
  trustedKeys: readonly TrustedKey[];
  /** Signs its statuses (none: written unsigned). */
  signer: Signer | undefined;
  /** Its own public key: to read back its own statuses. */
  ownKeys: readonly TrustedKey[];
  /** The sequence of the last status it wrote. */
  written: { sequence: number | undefined };
  pollSeconds: number;
}

/** A status as the agent says it: numbered above the last it wrote, dated now, signed, written and remembered. */
async function say(agent: AgentContext, status: Omit<AgentStatus, 'protocol' | 'sequence' | 'time'>): Promise<void> {
  const { ws, last, signer, stop, written } = agent;
  const sequence = nextSequence({ last: written.sequence, nowMs: Date.now() });
  // Whatever a status said before (a heartbeat re-says one), its protocol, sequence and date are this write's.
  const full: AgentStatus = { ...status, protocol: PROTOCOL, sequence, time: new Date().toISOString() };
  await writeStatus({ stores: ws.stores, status: full, signer, signal: stop });
  written.sequence = sequence;
  last.set(status.bundle, full);
}

/**
 * Reads the environment's index and returns the one to follow: the index
 * read when it is signed by a trusted key and not older than the last one
 * accepted; else the last accepted one (`current`), the refusal logged once.
 */
function followedIndex(
  agent: AgentContext,
): (current: EnvironmentIndex | undefined) => Promise<EnvironmentIndex | undefined> {
  const { ws, log, environment, trustedKeys, stop } = agent;
  const subject = { kind: 'index' as const, subject: environment };
  let refusedBefore = '';
  return async (current) => {
    let why: string;
    let reason: string;
    try {
      const read = await readAgentIndex({ stores: ws.stores, environment, trustedKeys, signal: stop });
      if (!read) return current;
      const stale = freshnessRefusal({
        sequence: read.sequence,
        lastAccepted: lastAcceptedSequence(ws.db, subject),
        nowMs: Date.now(),
      });
      if (!stale) {
        acceptSequence(ws.db, { ...subject, sequence: read.sequence });
        refusedBefore = '';
        return read.document;
      }
      reason = stale.reason;
      why = `index of ${environment}: not accepted (${stale.reason}): ${stale.detail}`;
    } catch (err) {
      if (!(err instanceof DocumentRefusedError)) throw err;
      reason = String(err.data.reason);
      why = err.message;
    }
    if (why !== refusedBefore)
      log.error(`${why}; nothing of it is followed: nothing retired, nothing deleted`, { reason, index: environment });
    refusedBefore = why;
    return current;
  };
}

/** The registry answers again: the outage is reported with each bundle's status, unchanged otherwise. */
async function reportOutage(agent: AgentContext, { was, since }: { was: string; since: string }): Promise<void> {
  const { log, last } = agent;
  log.info('registry answers again: resuming', { was, since });
  for (const s of [...last.values()]) {
    await say(agent, {
      ...s,
      reason: `registry unreachable from ${since} to ${new Date().toISOString()}; ${s.reason ?? 'nothing changed here meanwhile'}`,
    });
  }
  log.info(`reported the registry outage in ${last.size} status(es)`, {
    since,
    bundles: [...last.keys()],
  });
}

/** One poll of what the index says: each bundle's tag followed, each bundle to retire retired, then drift news published. */
async function followIndex(
  agent: AgentContext,
  { index, drift }: { index: EnvironmentIndex | undefined; drift: AgentDriftTracker },
): Promise<void> {
  const { environment, cluster, stop } = agent;
  const tag = () => index?.clusters[cluster]?.tag ?? environment;
  for (const bundle of index?.bundles ?? []) {
    if (stop.aborted) break;
    await followBundle({ ...agent, drift, bundle, tag: tag() });
  }
  // Told to remove these (drover retire): only what the inventory owns, as the hub's retire does.
  for (const bundle of index?.retire ?? []) {
    if (stop.aborted) break;
    await retireHere({ ...agent, bundle, tag: tag() });
  }
  await republishDrift(agent, drift);
  await heartbeat(agent);
}

/** A finding opened or resolved, or a heal done, since the last poll: said in the bundle's status. */
async function republishDrift(agent: AgentContext, drift: AgentDriftTracker): Promise<void> {
  const { last, stop } = agent;
  for (const bundle of drift.changed()) {
    const s = last.get(bundle);
    if (!s || s.state === 'retired' || stop.aborted) continue;
    const { drift: _, ...rest } = s;
    const d = drift.of(bundle);
    await say(agent, { ...rest, ...(d ? { drift: d } : {}) });
  }
}

/**
 * Each status not written for a poll interval is written again, unchanged
 * but for its date and sequence: the hub shows a cluster whose statuses are
 * older than three intervals as Stale (the agent is gone), so a running
 * agent says it is there. One PUT per bundle per poll.
 */
async function heartbeat(agent: AgentContext): Promise<void> {
  const { last, stop, pollSeconds } = agent;
  for (const s of [...last.values()]) {
    if (stop.aborted) break;
    if (s.state === 'retired' || Date.now() - Date.parse(s.time) < pollSeconds * 1000) continue;
    await say(agent, s);
  }
}

type StatusDetail = Partial<Pick<AgentStatus, 'failedObject' | 'reason' | 'health'>>;

async function followBundle(
  agent: AgentContext & { drift: AgentDriftTracker; bundle: string; tag: string },
): Promise<void> {
  const { ws, kube, log, last, bundle, tag, stop } = agent;
  // The tag is resolved once: what is verified and released is this digest, whatever the tag names meanwhile.
  const desired = await ws.versions(bundle, { signal: stop }).tagged(tag);
  if (!desired) return;
  await remember(agent, bundle);
  const publish = (state: AgentState, more: StatusDetail = {}) => publishStatus({ ...agent, desired, state, more });
  const inv = await readInventory(kube, bundle, stop);
  const said = last.get(bundle);
  const cluster = agent.cluster;
  if (inv.current?.digest === desired && !inv.pending) {
    if (said?.desired !== desired || said.state !== 'succeeded') await publish('succeeded');
    return;
  }
  // Failed or refused before: not retried until the tag moves.
  if (
    said?.desired === desired &&
    (said.state === 'rolled-back' || said.state === 'rollback-failed' || said.state === 'refused')
  )
    return;
  // The inventory is gone while this agent's last status says a version runs here: nothing owned is not what is known.
  if (!inv.exists && said?.running) {
    const e = inventoryMissing({ bundle, cluster, running: said.running });
    log.error(`${bundle}: ${e.message}`, { bundle, reason: 'InventoryMissing' });
    if (said.state !== 'refused' || said.desired !== desired)
      await publish('refused', { reason: `InventoryMissing: ${e.message}` });
    return;
  }
  const unsigned = await signatureRefusal(agent, desired);
  if (unsigned) {
    log.error(`${bundle}: ${tag} names ${desired}, refused: ${unsigned}; nothing applied`, { bundle, desired });
    await publish('refused', { reason: unsigned });
    return;
  }
  log.info(`${tag} of ${bundle} names ${desired.slice(0, 19)}: releasing it`, {
    bundle,
    tag,
    desired,
    ...(inv.current ? { from: inv.current.version } : {}),
  });
  await publish('applying');
  await releaseDesired(agent, { desired, publish });
}

/** Why the digest may not be applied here: no signature on exactly it by a trusted key (undefined: signed, or no key trusted). */
async function signatureRefusal(
  { ws, trustedKeys, bundle, stop }: AgentContext & { bundle: string },
  desired: string,
): Promise<string | undefined> {
  if (trustedKeys.length === 0) return undefined;
  const v = await verifyVersionSignature({
    store: ws.stores.open(bundle),
    digest: desired as Digest,
    trustedKeys,
    signal: stop,
  });
  return v.ok ? undefined : `SignatureRefused: ${v.reason}: ${v.detail}`;
}

/** The bundle's status as this agent sees it now, written to the registry and remembered. */
async function publishStatus(
  agent: AgentContext & {
    drift: AgentDriftTracker;
    bundle: string;
    tag: string;
    desired: string;
    state: AgentState;
    more: StatusDetail;
  },
): Promise<void> {
  const { kube, drift, bundle, tag, environment, cluster, stop, desired, state, more } = agent;
  const inv = await readInventory(kube, bundle, stop);
  const d = drift.of(bundle);
  await say(agent, {
    bundle,
    cluster,
    environment,
    tag,
    desired,
    running: inv.current && !inv.pending ? { version: inv.current.version, digest: inv.current.digest } : null,
    state,
    health: more.health ?? (state === 'succeeded' || state === 'rolled-back' ? 'Current' : null),
    failedObject: more.failedObject ?? null,
    reason: more.reason ?? null,
    ...(d ? { drift: d } : {}),
    agent: AGENT_ID,
  });
}

/** Releases the digest the tag names here, as a one-cluster rollout that never writes a tag, and publishes how it ended. */
async function releaseDesired(
  { ws, log, bundle, tag, environment, stop }: AgentContext & { bundle: string; tag: string },
  { desired, publish }: { desired: string; publish: (state: AgentState, more?: StatusDetail) => Promise<void> },
): Promise<void> {
  // As its own one-cluster environment (its time limit), never writing a tag: the agent only follows.
  const r = await planAndRun({
    ws,
    request: { bundle, environment, version: desired, reason: 'follow', channel: 'follow' },
    onEvent: eventLogger(log, { bundle }),
    signal: stop,
  }).catch(async (err: unknown) => {
    const reason = unusableReasonOf(err);
    if (!reason) throw err;
    return { refusedBy: `${reason}: ${toDroverError(err).message}` };
  });
  if ('refusedBy' in r || r.plan.refusal) {
    const why = 'refusedBy' in r ? r.refusedBy : `${r.plan.refusal!.reason}: ${r.plan.refusal!.message}`;
    log.error(`${bundle}: ${tag} names ${desired}, refused: ${why}; nothing applied`, { bundle, desired });
    await publish('refused', { reason: why });
    return;
  }
  await publishOutcome(r, { log, publish });
}

/** The agent's status after a rollout here, by its one outcome. */
async function publishOutcome(
  r: DeployResult,
  {
    log,
    publish,
  }: {
    log: Logger;
    publish: (state: AgentState, more?: StatusDetail) => Promise<void>;
  },
): Promise<void> {
  const c = r.clusters[0]!;
  const { bundle, version } = r;
  switch (r.outcome) {
    case 'healthy':
      log.info(`${bundle}@${version}: healthy`, { bundle, version });
      return publish('succeeded');
    case 'not-run':
      log.warn(`${bundle}@${version} did not run: ${c.message ?? c.state}`, { bundle });
      return publish('error', { reason: c.message ?? c.state });
    case 'refused':
    case 'rolled-back':
    case 'needs-person': {
      const restored = c.state === 'rolled-back';
      log.error(`${bundle}@${version} failed and was ${restored ? 'rolled back whole' : 'not rolled back'}`, {
        bundle,
        version,
        failedObject: c.failedObject,
        reason: c.reason,
      });
      return publish(restored ? 'rolled-back' : 'rollback-failed', {
        ...(c.failedObject ? { failedObject: c.failedObject } : {}),
        ...(c.reason ? { reason: c.reason } : {}),
        health: restored ? 'Current' : null,
      });
    }
  }
}

async function retireHere(agent: AgentContext & { bundle: string; tag: string }): Promise<void> {
  const { ws, kube, log, last, bundle, tag, environment, cluster, stop } = agent;
  await remember(agent, bundle);
  const inv = await readInventory(kube, bundle, stop);
  const said = last.get(bundle);
  if (!inv.current && !inv.pending && said?.state === 'retired') return;
  let reason: string | null = null;
  let state: AgentState = 'retired';
  if (!inv.exists && said?.running) {
    state = 'error';
    reason = `InventoryMissing: ${inventoryMissing({ bundle, cluster, running: said.running }).message}`;
    log.error(`${bundle}: retire refused: ${reason}`, { bundle });
  } else if (inv.current || inv.pending) {
    const versions = ws.versions(bundle, { signal: stop });
    const r = await retireFromCluster({
      db: ws.db,
      cluster: kube,
      bundle,
      environment,
      loadPolicy: async (v) => (await versions.load(v.digest)).policy,
      onEvent: eventLogger(log, { bundle }),
      signal: stop,
    });
    if (r.state === 'failed') {
      state = 'error';
      reason = `retire failed: ${r.message}`;
      log.error(`${bundle}: retire failed: ${r.message}`, { bundle });
    } else {
      reason = `retired: ${r.delete.length} object(s) deleted${r.keep.length ? `, ${r.keep.length} kept` : ''}`;
      log.info(`${bundle} retired from ${cluster}`, { bundle, deleted: r.delete, kept: r.keep.map((k) => k.ref) });
    }
  }
  await say(agent, {
    bundle,
    cluster,
    environment,
    tag,
    desired: null,
    running: null,
    state,
    health: null,
    failedObject: null,
    reason,
    agent: AGENT_ID,
  });
}

/**
 * What this agent said of a bundle before, even before a restart: its own
 * last status in the registry, believed only when signed with its own key
 * (when it has one). Its sequence is carried on, so the next status is
 * numbered above it.
 */
async function remember(agent: AgentContext, bundle: string): Promise<void> {
  const { ws, last, cluster, ownKeys, written, stop } = agent;
  if (last.has(bundle)) return;
  const mine = await readStatus({ stores: ws.stores, bundle, cluster, trustedKeys: ownKeys, signal: stop }).catch(
    () => undefined,
  );
  if (!mine) return;
  last.set(bundle, mine.document);
  written.sequence = Math.max(written.sequence ?? 0, mine.sequence);
}
