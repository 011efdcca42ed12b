/**
 * `drover retire B [--env E]`: remove a bundle from the clusters of one
 * environment (or from every configured cluster) on purpose, usually after
 * its Bundle document left Git. `planRetirement` says what each cluster
 * would lose, for the confirmation the CLI asks first; `retireBundle` does
 * it, cluster by cluster (lib/release/retire.ts). A bundle its source still
 * declares is refused without `force`: `drover serve` would deploy it again.
 * The version history and channel tags in the registry are kept.
 *
 * @example
 *   const plan = await planRetirement({ ws, bundle: 'cart', environment: 'prod' });
 *   const r = await retireBundle({ ws, bundle: 'cart', environment: 'prod' });
 */
import type { StoredPolicy } from '../bundle/policy.ts';
import { ConflictError } from '../errors/errors.ts';
import type { OnEvent } from '../progress.ts';
import {
  planRetireFromCluster,
  retireFromCluster,
  type ClusterRetireOutcome,
  type ClusterRetirePlan,
} from '../release/retire.ts';
import { getBundle, listVersions } from '../state/versions.ts';
import type { AgentStatus } from '../protocol/agent-protocol.ts';
import { listInIndex } from '../rollout/agent-clusters.ts';
import { readAcceptedStatus } from '../rollout/agent-status.ts';
import { environmentOf, environmentOfCluster, isAgentCluster } from '../config/lookups.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { runningOf } from '../release/environment-run.ts';
import { beginRelease, getRelease, lastRelease, recordStep, type ReleaseRecord } from '../state/releases.ts';

export interface RetireBundleOptions {
  ws: Workspace;
  bundle: string;
  /** Only this environment's clusters (default: every configured cluster). */
  environment?: string;
  /** Retire a bundle its source still declares. */
  force?: boolean;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

export interface RetirePlan {
  bundle: string;
  environment?: string;
  clusters: ClusterRetirePlan[];
}

export interface RetireResult {
  bundle: string;
  environment?: string;
  ok: boolean;
  clusters: ClusterRetireOutcome[];
}

function clustersOf(ws: Workspace, environment: string | undefined): string[] {
  return environment ? environmentOf(ws.config, environment).clusters : ws.config.clusters.map((c) => c.name);
}

function checkLeftSource(ws: Workspace, bundle: string, force: boolean): void {
  const b = getBundle(ws.db, bundle);
  if (!b || b.left || force) return;
  throw new ConflictError(
    `bundle ${bundle} is still declared in source ${b.source}: remove its Bundle document and cut first, or pass --force (drover serve deploys it again on its next pass)`,
    {
      data: { bundle, source: b.source, reason: 'StillInSource' },
    },
  );
}

/** The apply policy of a version the cluster runs: from the state index when it knows that digest, else from the registry. */
function policyLoader(ws: Workspace, bundle: string, signal?: AbortSignal) {
  return async ({ version, digest }: { version: string; digest: string }): Promise<StoredPolicy | undefined> => {
    const known = listVersions(ws.db, bundle).find((v) => v.version === version && v.digest === digest);
    if (known) return known.config.policy;
    return (await ws.versions(bundle, { signal }).load(digest)).policy;
  };
}

export async function planRetirement({
  ws,
  bundle,
  environment,
  force = false,
  signal,
}: RetireBundleOptions): Promise<RetirePlan> {
  checkLeftSource(ws, bundle, force);
  const names = clustersOf(ws, environment);
  const clusters = await ws.clusters(names.filter((c) => !isAgentCluster(ws.config, c)));
  const loadPolicy = policyLoader(ws, bundle, signal);
  const plans = await Promise.all(
    [...clusters.values()].map((cluster) =>
      planRetireFromCluster({
        cluster,
        bundle,
        loadPolicy,
        running: runningOf(lastRelease(ws.db, bundle, cluster.name)) ?? null,
        signal,
      }),
    ),
  );
  // An agent cluster is not read: what it runs is what its agent last reported; its agent deletes what its inventory owns.
  for (const c of names.filter((x) => isAgentCluster(ws.config, x))) {
    const s = await readAcceptedStatus({ ws, bundle, cluster: c, signal }).catch(() => undefined);
    plans.push({ cluster: c, running: s?.running ?? null, delete: [], letGo: [], keep: [] });
  }
  return { bundle, ...(environment ? { environment } : {}), clusters: plans };
}

export async function retireBundle({
  ws,
  bundle,
  environment,
  force = false,
  onEvent,
  signal,
}: RetireBundleOptions): Promise<RetireResult> {
  checkLeftSource(ws, bundle, force);
  const names = clustersOf(ws, environment);
  const clusters = await ws.clusters(names.filter((c) => !isAgentCluster(ws.config, c)));
  const loadPolicy = policyLoader(ws, bundle, signal);
  const out: ClusterRetireOutcome[] = [];
  for (const cluster of clusters.values()) {
    out.push(
      await retireFromCluster({
        db: ws.db,
        cluster,
        bundle,
        loadPolicy,
        ...(environment ? { environment } : {}),
        onEvent,
        signal,
      }),
    );
  }
  for (const c of names.filter((x) => isAgentCluster(ws.config, x)))
    out.push(
      await retireThroughRegistry({
        ws,
        bundle,
        cluster: c,
        onEvent,
        signal,
      }),
    );
  return { bundle, ...(environment ? { environment } : {}), ok: out.every((c) => c.state !== 'failed'), clusters: out };
}

/**
 * An agent cluster is retired through its environment's index (the bundle
 * moves to `retire`): its agent deletes what the inventory owns and reports
 * `retired`, which goes into the journal as the cluster's retirement.
 */
async function retireThroughRegistry({
  ws,
  bundle,
  cluster,
  onEvent,
  signal,
}: {
  ws: Workspace;
  bundle: string;
  cluster: string;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}): Promise<ClusterRetireOutcome> {
  const e = environmentOfCluster(ws.config, cluster);
  const before = await readAcceptedStatus({ ws, bundle, cluster, signal }).catch(() => undefined);
  const running = before?.running ?? null;
  const outcome = (
    state: ClusterRetireOutcome['state'],
    message: string,
    release?: ReleaseRecord,
  ): ClusterRetireOutcome => ({
    cluster,
    running,
    delete: [],
    letGo: [],
    keep: [],
    state,
    ...(release ? { release } : {}),
    message,
  });
  if (!e) return outcome('failed', `agent cluster ${cluster} is in no environment: no index reaches it`);
  await listInIndex({ ws, environment: e, bundle, listed: false, onEvent, signal });
  onEvent?.({ phase: 'retire', subject: cluster, message: `waiting for ${cluster}'s agent to retire ${bundle}` });
  const deadline = Date.now() + e.timeoutSeconds * 1000;
  for (;;) {
    signal?.throwIfAborted();
    const s = await readAcceptedStatus({ ws, bundle, cluster, signal }).catch(() => undefined);
    if (s?.state === 'retired' && (!before || s.time > before.time || before.state === 'retired')) {
      const release = recordAgentRetirement({ ws, bundle, cluster, environment: e.name, running, before, status: s });
      return outcome('retired', `retired by its agent: ${s.reason ?? 'nothing of it ran there'}`, release);
    }
    if (s?.state === 'error' && before && s.time > before.time)
      return outcome('failed', `${cluster}'s agent: ${s.reason ?? 'error'}`);
    if (Date.now() > deadline)
      return outcome('failed', `${cluster}'s agent did not report the retirement within ${e.timeoutSeconds}s`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/**
 * The retirement an agent reported, in the journal as a succeeded `retire`
 * release of what it ran (else of what it was told to run, else `-`).
 */
function recordAgentRetirement({
  ws,
  bundle,
  cluster,
  environment,
  running,
  before,
  status: s,
}: {
  ws: Workspace;
  bundle: string;
  cluster: string;
  environment: string;
  running: { version: string; digest: string } | null;
  before: AgentStatus | undefined;
  status: AgentStatus;
}): ReleaseRecord {
  const last =
    running ??
    (before?.desired
      ? {
          version: listVersions(ws.db, bundle).find((v) => v.digest === before.desired)?.version ?? '-',
          digest: before.desired,
        }
      : { version: '-', digest: '-' });
  const rel = beginRelease(ws.db, {
    bundle,
    cluster,
    environment,
    version: last.version,
    digest: last.digest,
    kind: 'retire',
    cause: `reported by ${cluster}'s agent at ${s.time}`,
  });
  recordStep(ws.db, rel.id, { state: 'succeeded', message: `${cluster}'s agent: ${s.reason ?? 'retired'}` });
  return getRelease(ws.db, rel.id)!;
}
