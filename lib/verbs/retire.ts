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
import { planRetireFromCluster, retireFromCluster, type RetireOutcome, type RetirePlan } from '../release/retire.ts';
import { getBundle, listVersions } from '../state/versions.ts';
import { bundleVersions } from '../workspace/bundle-versions.ts';
import { environmentOf, type Workspace } from '../workspace/workspace.ts';

export interface RetireOptions {
  ws: Workspace;
  bundle: string;
  /** Only this environment's clusters (default: every configured cluster). */
  environment?: string;
  /** Retire a bundle its source still declares. */
  force?: boolean;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

export interface RetirementPlan {
  bundle: string;
  environment?: string;
  clusters: RetirePlan[];
}

export interface RetireResult {
  bundle: string;
  environment?: string;
  ok: boolean;
  clusters: RetireOutcome[];
}

function clustersOf(ws: Workspace, environment: string | undefined): string[] {
  return environment ? environmentOf(ws, environment).clusters : ws.config.clusters.map((c) => c.name);
}

function checkLeftSource(ws: Workspace, bundle: string, force: boolean): void {
  const b = getBundle(ws.db, bundle);
  if (!b || b.left || force) return;
  throw new ConflictError(`bundle ${bundle} is still declared in source ${b.source}: remove its Bundle document and cut first, or pass --force (drover serve deploys it again on its next pass)`, {
    data: { bundle, source: b.source, reason: 'StillInSource' },
  });
}

/** The apply policy of a version the cluster runs: from the state index when it knows that digest, else from the registry. */
function policyLoader(ws: Workspace, bundle: string, signal?: AbortSignal) {
  return async ({ version, digest }: { version: string; digest: string }): Promise<StoredPolicy | undefined> => {
    const known = listVersions(ws.db, bundle).find((v) => v.version === version && v.digest === digest);
    if (known) return known.config.policy;
    return (await bundleVersions({ ws, bundle, ...(signal ? { signal } : {}) }).load(digest)).policy;
  };
}

export async function planRetirement({ ws, bundle, environment, force = false, signal }: RetireOptions): Promise<RetirementPlan> {
  checkLeftSource(ws, bundle, force);
  const clusters = await ws.clusters(clustersOf(ws, environment));
  const loadPolicy = policyLoader(ws, bundle, signal);
  const plans = await Promise.all([...clusters.values()].map((cluster) => planRetireFromCluster({ cluster, bundle, loadPolicy, ...(signal ? { signal } : {}) })));
  return { bundle, ...(environment ? { environment } : {}), clusters: plans };
}

export async function retireBundle({ ws, bundle, environment, force = false, onEvent, signal }: RetireOptions): Promise<RetireResult> {
  checkLeftSource(ws, bundle, force);
  const clusters = await ws.clusters(clustersOf(ws, environment));
  const loadPolicy = policyLoader(ws, bundle, signal);
  const out: RetireOutcome[] = [];
  for (const cluster of clusters.values()) {
    out.push(await retireFromCluster({ db: ws.db, cluster, bundle, loadPolicy, ...(environment ? { environment } : {}), ...(onEvent ? { onEvent } : {}), ...(signal ? { signal } : {}) }));
  }
  return { bundle, ...(environment ? { environment } : {}), ok: out.every((c) => c.state !== 'failed'), clusters: out };
}
