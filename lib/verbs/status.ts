/**
 * `drover status`: bundles x clusters. The journal says
 * what each cluster last released, its state, and for a failure which object
 * failed and why; the cluster itself (its inventory and the live members)
 * says which version it runs whole and how healthy that is right now; the
 * drift findings say whether it still matches; the registry says what each
 * environment's channel tag names, and each cluster is marked in sync with
 * it or not, and why (channel-status.ts). A cluster that cannot be reached
 * keeps the journal's view and says so. In an environment that requires
 * signatures, each row names the key that verified the version it runs
 * (verified now against the environment's trusted keys, once per digest
 * per process: lib/oci/verify-version-signature.ts caches it).
 */
import type { Cluster } from '../cluster/cluster.ts';
import { listObjects } from '../cluster/get.ts';
import { NotFoundError, toDroverError } from '../errors/errors.ts';
import { readTrustedKeys } from '../config/signing-keys.ts';
import { aggregate } from '../health/aggregate.ts';
import { computeHealth } from '../health/compute.ts';
import type { HealthStatus } from '../health/status.ts';
import { formatRef, type KubeObject } from '../object/ref.ts';
import { INVENTORY_NAMESPACE, type Inventory, parseInventoryObject } from '../release/inventory.ts';
import { mapLimit } from '../foundation/map-limit.ts';
import { openFindings } from '../state/drift.ts';
import { runningOf } from '../release/environment-run.ts';
import { getVersion, listBundles, listVersions } from '../state/versions.ts';
import type { AgentStatus } from '../protocol/agent-protocol.ts';
import { type Digest, verifyVersionSignature } from '../oci/index.ts';
import { type AgentReport, readAgentReport } from '../rollout/agent-status.ts';
import { lastRelease, listReleases, type ReleaseRecord } from '../state/releases.ts';
import { environmentOfCluster } from '../config/lookups.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { type ChannelView, channelViews, clusterSync } from './channel-status.ts';

export interface StatusRow {
  bundle: string;
  cluster: string;
  /** The version the cluster runs whole: from its inventory when reachable, else from the journal. */
  running: string | null;
  /**
   * Health of the running version's members now; `Unreachable` when the
   * cluster could not be read; for an agent cluster, `Stale` when its
   * agent's last status is older than three poll intervals (never Current),
   * `Unknown` when its status was refused (healthMessage says why).
   */
  health: HealthStatus | 'Unreachable' | 'Stale' | null;
  /** The first member that is not healthy, and why. */
  healthMessage: string | null;
  /** A release the cluster's inventory records as in flight. */
  pending: string | null;
  /** Open drift findings (out-of-band changes to members) on this cluster, as last recorded. */
  drift: number;
  last: Pick<ReleaseRecord, 'id' | 'version' | 'state' | 'reason' | 'failedObject' | 'updatedAt'> | null;
  /** The environment the cluster is in, and what its channel tag names now (null: no environment, no tag, or not read: `channels: false`). */
  environment: string | null;
  tag: { name: string; version: string | null; digest: string | null } | null;
  /** Whether the cluster runs what the tag names (null: no tag, or the registry could not be read). */
  sync: 'in-sync' | 'out-of-sync' | null;
  /** Why it does not: in flight, a failed release, a refused digest, a quarantined version, a tag not yet followed, the registry unreachable. */
  syncReason: string | null;
  /**
   * How the bundle holds each object on the cluster, from its inventory's
   * ledger (live reads only): created, adopted, shared, created-kept, or
   * `unknown` for entries recorded before origins existed.
   */
  members?: { ref: string; origin: string; priorUnknown?: boolean }[];
  /**
   * In an environment with requireSignatures: the id of the trusted key whose signature the running version carries
   * (`sha256:<hex>` of its public key), or null when none verifies it now (`signatureProblem` says why). Absent
   * elsewhere, or when nothing runs.
   */
  signedBy?: string | null;
  signatureProblem?: string;
  /** For an agent cluster: its last status as read from the registry (`time` says how fresh). */
  agent?: {
    state: AgentStatus['state'];
    time: string;
    desired: string | null;
    reason: string | null;
    drift?: AgentStatus['drift'];
    /** The agent key that verified the status (null: the cluster has no agentKey: not authenticated). */
    keyId: string | null;
    /** Older than three poll intervals: the agent may be gone. */
    stale: boolean;
  } | null;
}

interface LiveView {
  inventories: Map<string, Inventory>;
  health: Map<string, { status: HealthStatus; message: string | null }>;
}

/**
 * Reads a cluster's inventories (one LIST) and the health of the current
 * version's members of `bundles`, listing each (type, namespace) once rather
 * than reading members one by one.
 */
async function readClusterView(cluster: Cluster, bundles: Set<string>, signal?: AbortSignal): Promise<LiveView> {
  const list = await listObjects(cluster, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: INVENTORY_NAMESPACE,
    labelSelector: 'drover.dev/inventory',
    signal,
  });
  const inventories = new Map<string, Inventory>();
  for (const o of list.items) {
    const bundle = (o.metadata.labels ?? {})['drover.dev/inventory'];
    if (bundle && bundles.has(bundle)) inventories.set(bundle, parseInventoryObject(o, bundle));
  }
  const groups = new Map<string, { apiVersion: string; kind: string; namespace: string }>();
  for (const inv of inventories.values()) {
    for (const m of inv.current?.members ?? [])
      groups.set(`${m.apiVersion}|${m.kind}|${m.namespace}`, {
        apiVersion: m.apiVersion,
        kind: m.kind,
        namespace: m.namespace,
      });
  }
  const liveByKey = new Map<string, KubeObject>();
  await mapLimit([...groups.values()], 8, async (g) => {
    const items = await listObjects(cluster, {
      apiVersion: g.apiVersion,
      kind: g.kind,
      ...(g.namespace ? { namespace: g.namespace } : {}),
      signal,
    }).then(
      (r) => r.items,
      (err: unknown) => {
        // A namespace or type that is gone leaves its members NotFound; anything else is the cluster's problem to report.
        if (err instanceof NotFoundError) return [];
        throw err;
      },
    );
    for (const o of items)
      liveByKey.set(`${g.apiVersion}|${g.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`, o);
  });
  const health = new Map<string, { status: HealthStatus; message: string | null }>();
  for (const [bundle, inv] of inventories) {
    const results = (inv.current?.members ?? []).map((m) => ({
      ref: formatRef(m),
      ...computeHealth(liveByKey.get(`${m.apiVersion}|${m.kind}|${m.namespace}|${m.name}`)),
    }));
    const first = results.find((r) => r.status !== 'Current');
    health.set(bundle, { status: aggregate(results), message: first ? `${first.ref}: ${first.message}` : null });
  }
  return { inventories, health };
}

export async function bundleStatus({
  ws,
  live = true,
  channels = live,
  signal,
}: {
  ws: Workspace;
  live?: boolean;
  channels?: boolean;
  signal?: AbortSignal;
}): Promise<StatusRow[]> {
  // Only this workspace's bundles: other inventories in a shared cluster belong to someone else.
  const bundles = new Set([
    ...listBundles(ws.db).map((b) => b.name),
    ...listReleases(ws.db, { limit: 10_000 }).map((r) => r.bundle),
  ]);
  const tags =
    channels && bundles.size > 0
      ? channelViews({ ws, bundles: [...bundles], signal })
      : Promise.resolve(new Map<string, Map<string, ChannelView>>());
  const views = await readClusterViews({ ws, live, bundles, signal });
  const agentStatuses = await readAgentStatuses({ ws, live, bundles, signal });
  const channelsOf = await tags;
  const rows: StatusRow[] = [];
  for (const bundle of [...bundles].sort()) {
    for (const c of ws.config.clusters) {
      const row =
        c.mode === 'agent'
          ? agentRow(ws, bundle, c.name, agentStatuses.get(`${bundle}\0${c.name}`), channelsOf)
          : clusterRow({ ws, bundle, cluster: c.name, view: views.get(c.name), channelsOf });
      if (row) rows.push(row);
    }
  }
  return channels ? withSigners({ ws, rows, signal }) : rows;
}

/** Each row of an environment that requires signatures, with the key that verifies what it runs (one check per digest). */
async function withSigners({
  ws,
  rows,
  signal,
}: {
  ws: Workspace;
  rows: StatusRow[];
  signal?: AbortSignal | undefined;
}): Promise<StatusRow[]> {
  const checks = new Map<string, Promise<Pick<StatusRow, 'signedBy' | 'signatureProblem'>>>();
  const signerOf = (row: StatusRow): Promise<Pick<StatusRow, 'signedBy' | 'signatureProblem'>> | undefined => {
    const e = row.environment ? ws.config.environments.find((x) => x.name === row.environment) : undefined;
    const digest = row.running ? getVersion(ws.db, row.bundle, row.running)?.digest : undefined;
    if (!e?.requireSignatures || !digest) return undefined;
    const key = `${row.bundle}\0${e.name}\0${digest}`;
    if (!checks.has(key))
      checks.set(
        key,
        readTrustedKeys({ config: ws.config, env: ws.env, environment: e, signal })
          .then((trustedKeys) =>
            verifyVersionSignature({
              store: ws.stores.open(row.bundle),
              digest: digest as Digest,
              trustedKeys,
              signal,
            }),
          )
          .then(
            (v) => (v.ok ? { signedBy: v.keyId } : { signedBy: null, signatureProblem: `${v.reason}: ${v.detail}` }),
            (err: unknown) => ({ signedBy: null, signatureProblem: `not checked: ${toDroverError(err).message}` }),
          ),
      );
    return checks.get(key);
  };
  return Promise.all(rows.map(async (r) => ({ ...r, ...(await signerOf(r)) })));
}

/** Each direct cluster's view (or why it could not be read), when `live` asks for them. */
async function readClusterViews({
  ws,
  live,
  bundles,
  signal,
}: {
  ws: Workspace;
  live: boolean;
  bundles: Set<string>;
  signal?: AbortSignal;
}): Promise<Map<string, LiveView | Error>> {
  const views = new Map<string, LiveView | Error>();
  if (live && ws.config.clusters.length > 0 && bundles.size > 0) {
    const clusters = await ws.clusters();
    await Promise.all(
      [...clusters].map(async ([name, c]) => {
        views.set(name, await readClusterView(c, bundles, signal).catch((err: Error) => err));
      }),
    );
  }
  return views;
}

/**
 * Agent clusters report through the registry (docs/agent-protocol.md): their
 * statuses, by `bundle\0cluster`, stand in for the cluster's view and the journal.
 */
async function readAgentStatuses({
  ws,
  live,
  bundles,
  signal,
}: {
  ws: Workspace;
  live: boolean;
  bundles: Set<string>;
  signal?: AbortSignal;
}): Promise<Map<string, AgentReport | Error>> {
  const agentStatuses = new Map<string, AgentReport | Error>();
  const agentClusters = ws.config.clusters.filter((c) => c.mode === 'agent');
  if (live && agentClusters.length > 0) {
    await mapLimit(
      [...bundles].flatMap((b) => agentClusters.map((c) => ({ b, c: c.name }))),
      8,
      async ({ b, c }) => {
        const s = await readAgentReport({ ws, bundle: b, cluster: c, signal }).catch((err: Error) => err);
        if (s instanceof Error || s.kind !== 'none') agentStatuses.set(`${b}\0${c}`, s);
      },
    );
  }
  return agentStatuses;
}

/** What a channel tag names, for a row (null: no tag). */
function tagOf(channel: ChannelView | undefined): StatusRow['tag'] {
  return channel && channel.sync !== 'no-tag'
    ? { name: channel.tag, version: channel.version, digest: channel.digest }
    : null;
}

/**
 * A row for a cluster Drover releases to directly: the journal's last
 * release, and (when the cluster was read) its inventory and members' health;
 * none when neither knows of the bundle there.
 */
function clusterRow({
  ws,
  bundle,
  cluster,
  view,
  channelsOf,
}: {
  ws: Workspace;
  bundle: string;
  cluster: string;
  view: LiveView | Error | undefined;
  channelsOf: Map<string, Map<string, ChannelView>>;
}): StatusRow | undefined {
  const r = lastRelease(ws.db, bundle, cluster);
  const inv = view && !(view instanceof Error) ? view.inventories.get(bundle) : undefined;
  if (!r && !inv) return undefined;
  const journalRunning = runningOf(r)?.version ?? null;
  const h = view && !(view instanceof Error) ? view.health.get(bundle) : undefined;
  // The inventory gone while the journal says a version runs: that version, and why nothing can be released until it is rebuilt.
  const lost =
    view && !(view instanceof Error) && !inv && journalRunning
      ? `the inventory of ${bundle} on ${cluster} is missing (the journal says ${journalRunning} runs there); run drover state rebuild --inventory ${bundle} --cluster ${cluster}`
      : null;
  const running = view && !(view instanceof Error) && !lost ? (inv?.current?.version ?? null) : journalRunning;
  const last = r
    ? {
        id: r.id,
        version: r.version,
        state: r.state,
        reason: r.reason,
        failedObject: r.failedObject,
        updatedAt: r.updatedAt,
      }
    : null;
  const pending = inv?.pending?.version ?? null;
  const environment = environmentOfCluster(ws.config, cluster)?.name ?? null;
  const channel = environment ? channelsOf.get(bundle)?.get(environment) : undefined;
  const sync = channel ? clusterSync(channel, { running, last, pending }) : { sync: null, reason: null };
  return {
    bundle,
    cluster,
    running,
    health: view instanceof Error ? 'Unreachable' : (h?.status ?? null),
    healthMessage: view instanceof Error ? view.message : (lost ?? h?.message ?? null),
    pending,
    drift: openFindings(ws.db, { bundle, cluster }).length,
    last,
    environment,
    tag: tagOf(channel),
    sync: sync.sync,
    syncReason: sync.reason,
    ...(inv
      ? {
          members: inv.entries.map((e) => ({
            ref: formatRef(e),
            origin: e.unknown ? 'unknown' : e.origin,
            ...(e.priorUnknown ? { priorUnknown: true } : {}),
          })),
        }
      : {}),
  };
}

const AGENT_STATE: Record<AgentStatus['state'], ReleaseRecord['state']> = {
  succeeded: 'succeeded',
  applying: 'applying',
  'rolled-back': 'rolled-back',
  'rollback-failed': 'rollback-failed',
  refused: 'failed',
  error: 'failed',
  retired: 'succeeded',
};

/** An agent cluster's row when nothing of its status is believed. */
function unknownAgentRow(
  row: Pick<StatusRow, 'bundle' | 'cluster' | 'environment' | 'tag'>,
): Omit<StatusRow, 'health' | 'healthMessage'> {
  return { ...row, running: null, pending: null, drift: 0, last: null, sync: null, syncReason: null, agent: null };
}

/** A row for an agent cluster, from the status its agent published (nothing of the cluster is read directly). */
function agentRow(
  ws: Workspace,
  bundle: string,
  cluster: string,
  report: AgentReport | Error | undefined,
  channelsOf: Map<string, Map<string, ChannelView>>,
): StatusRow | undefined {
  if (!report || (!(report instanceof Error) && report.kind === 'none')) return undefined;
  const environment = environmentOfCluster(ws.config, cluster)?.name ?? null;
  const channel = environment ? channelsOf.get(bundle)?.get(environment) : undefined;
  const tagRef = tagOf(channel);
  // Refused (unsigned, forged, replayed, future-dated): nothing of it is believed.
  if (!(report instanceof Error) && report.kind === 'refused')
    return {
      ...unknownAgentRow({ bundle, cluster, environment, tag: tagRef }),
      health: 'Unknown',
      healthMessage: `its status is refused (${report.reason}): ${report.message}`,
    };
  if (report instanceof Error || report.kind !== 'status')
    return {
      ...unknownAgentRow({ bundle, cluster, environment, tag: tagRef }),
      health: 'Unreachable',
      healthMessage: `its status could not be read: ${report instanceof Error ? report.message : 'unknown'}`,
    };
  const { status: s, stale } = report;
  const desiredVersion = listVersions(ws.db, bundle).find((v) => v.digest === s.desired)?.version ?? s.desired ?? '-';
  const last = {
    id: 0,
    version: desiredVersion,
    state: AGENT_STATE[s.state],
    reason: s.reason,
    failedObject: s.failedObject,
    updatedAt: s.time,
  };
  const pending = s.state === 'applying' ? desiredVersion : null;
  const running = s.running?.version ?? null;
  const sync = channel ? clusterSync(channel, { running, last, pending }) : { sync: null, reason: null };
  return {
    bundle,
    cluster,
    running,
    // Stale: what the agent last said may no longer be so; never shown as Current.
    health: stale ? 'Stale' : ((s.health as HealthStatus | null) ?? null),
    healthMessage: stale ? report.staleMessage : null,
    pending,
    // The agent's own drift monitor counts them (its policy: the index's).
    drift: s.drift?.open ?? 0,
    last,
    environment,
    tag: tagRef,
    sync: sync.sync,
    syncReason: sync.reason,
    agent: {
      state: s.state,
      time: s.time,
      desired: s.desired,
      reason: s.reason,
      ...(s.drift ? { drift: s.drift } : {}),
      keyId: report.keyId,
      stale,
    },
  };
}

/** Whether the registry answers now (one GET /v2/): null when it does, else why not. */
export async function registryProblem({ ws, signal }: { ws: Workspace; signal?: AbortSignal }): Promise<string | null> {
  const timeout = AbortSignal.timeout(5_000);
  return ws.stores.ping(signal ? AbortSignal.any([signal, timeout]) : timeout).then(
    () => null,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
}
