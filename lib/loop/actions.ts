/**
 * The daemon's actions, shared by the loop and the API: cut one source,
 * deploy, promote, roll back, follow a tag, heal. Each calls the same
 * library function the CLI does (a rollout: lib/rollout, which also puts
 * the channel tag back if shutdown aborts it) and adds what a long-running
 * process needs: metrics for every release, a log line per outcome, the
 * change feed the dashboard listens to, and the plan a person was shown.
 */
import { type CutResult, cutVersions } from '../verbs/cut.ts';
import { type DeployResult, planAndRun } from '../verbs/deploy.ts';
import { type DriftReport, checkDrift } from '../verbs/drift.ts';
import type { SourceConfig } from '../config/config.ts';
import { listBundles } from '../state/versions.ts';
import { eventLogger } from './log.ts';
import type { LoopContext } from './loop-context.ts';
import type { OnEvent } from '../progress.ts';
import { isRefusalReason } from '../release/refusal.ts';
import { verifyRefusalLabel } from '../rollout/trust-gate.ts';

/** A release's events: logged, and each one a note on the change feed that the bundle's release moved a step. */
function releaseEvents(ctx: LoopContext, bundle: string): OnEvent {
  const log = eventLogger(ctx.log, { bundle });
  return (e) => {
    log(e);
    ctx.changes?.emit({ bundle, kind: 'release' });
  };
}

/** Counts a deploy's per-cluster outcomes in drover_releases_total and drover_rollbacks_total, and notes which clusters answered. */
export function countReleases(
  ctx: Pick<LoopContext, 'metrics' | 'deps'>,
  r: Pick<DeployResult, 'bundle' | 'clusters'>,
): void {
  // The version was pulled to get here: the registry answers.
  ctx.deps.up('registry');
  for (const c of r.clusters) {
    if (c.state === 'not-started') continue;
    if (c.state === 'error' && c.dependency === 'cluster')
      ctx.deps.down('cluster', c.cluster, c.message ?? 'unreachable');
    else if (c.state !== 'error') ctx.deps.up('cluster', c.cluster);
    ctx.metrics.releases.inc({ bundle: r.bundle, cluster: c.cluster, result: c.state });
    // A refused release wrote nothing: counted by its reason, not as a rollback.
    if (c.state === 'rolled-back' && isRefusalReason(c.reason))
      ctx.metrics.releaseRefused.inc({ bundle: r.bundle, reason: c.reason });
    else if (c.state === 'rolled-back' || c.state === 'rollback-failed') ctx.metrics.rollbacks.inc({ kind: 'release' });
    if (c.state === 'reverted') ctx.metrics.rollbacks.inc({ kind: 'revert' });
  }
}

/**
 * Counts a rollout refused because its version is not trusted, by why, in drover_verify_refused_total: not cut
 * by this hub (`not-cut-here`), or its signature did not verify (`unsigned`, `untrusted-key`...).
 */
export function countSignatureRefusal(
  ctx: Pick<LoopContext, 'metrics'>,
  r: Pick<DeployResult, 'outcome' | 'plan'>,
): void {
  const reason = r.outcome === 'refused' ? verifyRefusalLabel(r.plan.refusal) : undefined;
  if (reason) ctx.metrics.verifyRefused.inc({ reason });
}

/** One log line per rollout, by its outcome. */
function logOutcome(ctx: LoopContext, what: string, r: DeployResult): void {
  const fields = {
    bundle: r.bundle,
    version: r.version,
    outcome: r.outcome,
    ...(r.environment ? { environment: r.environment } : {}),
    clusters: r.clusters.map((c) => ({
      cluster: c.cluster,
      state: c.state,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.failedObject ? { failedObject: c.failedObject } : {}),
      ...(c.message ? { message: c.message } : {}),
    })),
    ...(r.failures.length ? { failures: r.failures } : {}),
  };
  const line = `${what} ${r.bundle}@${r.version || '?'}: ${r.outcome}`;
  switch (r.outcome) {
    case 'healthy':
      return ctx.log.info(line, fields);
    case 'not-run':
    case 'refused':
      return ctx.log.warn(line, fields);
    case 'rolled-back':
    case 'needs-person':
      return ctx.log.error(line, fields);
  }
}

/** Runs one rollout as the daemon does: its events logged and fed to the dashboard, its releases counted, its outcome logged. */
async function rolloutAction(
  ctx: LoopContext,
  what: string,
  bundle: string,
  run: (onEvent: OnEvent) => Promise<DeployResult>,
): Promise<DeployResult> {
  const r = await run(releaseEvents(ctx, bundle));
  countReleases(ctx, r);
  countSignatureRefusal(ctx, r);
  logOutcome(ctx, what, r);
  for (const q of r.quarantined)
    ctx.log.warn(`quarantined ${bundle}@${q.version} in ${r.environment}: automation will not try it again`, {
      bundle,
      version: q.version,
      environment: r.environment,
      reason: q.reason,
    });
  ctx.changes?.emit({ bundle, kind: 'release' });
  return r;
}

/** What an action of a person names: the plan they were shown (by id), held against the state now. */
export interface ShownPlan {
  /** The id of a plan the daemon showed (DaemonActions.plan). */
  plan?: string | undefined;
}

export function deployAction(
  ctx: LoopContext,
  {
    bundle,
    version,
    environment,
    cluster,
    plan,
    automated = false,
  }: { bundle: string; version: string; environment?: string; cluster?: string; automated?: boolean } & ShownPlan,
): Promise<DeployResult> {
  return rolloutAction(ctx, 'deploy', bundle, (onEvent) =>
    planAndRun({
      ws: ctx.ws,
      request: { bundle, version, environment, cluster, reason: 'deploy', automated },
      shown: plan ? ctx.plans?.recall(plan) : undefined,
      onEvent,
      signal: ctx.signal,
    }),
  );
}

export function promoteAction(
  ctx: LoopContext,
  {
    bundle,
    to,
    version,
    plan,
    automated = false,
  }: { bundle: string; to: string; version?: string; automated?: boolean } & ShownPlan,
): Promise<DeployResult> {
  return rolloutAction(ctx, 'promote', bundle, (onEvent) =>
    planAndRun({
      ws: ctx.ws,
      request: { bundle, environment: to, version, reason: 'promote', automated },
      shown: plan ? ctx.plans?.recall(plan) : undefined,
      onEvent,
      signal: ctx.signal,
    }),
  );
}

export async function rollbackAction(
  ctx: LoopContext,
  { bundle, environment, to, plan }: { bundle: string; environment: string; to?: string } & ShownPlan,
): Promise<DeployResult> {
  const r = await rolloutAction(ctx, 'rollback', bundle, (onEvent) =>
    planAndRun({
      ws: ctx.ws,
      request: { bundle, environment, version: to, reason: 'rollback' },
      shown: plan ? ctx.plans?.recall(plan) : undefined,
      onEvent,
      signal: ctx.signal,
    }),
  );
  if (r.ok) ctx.metrics.rollbacks.inc({ kind: 'environment' });
  return r;
}

/** Releases a digest someone else put on an environment's tag (follow-channels.ts): the tag is its desired state. */
export function followAction(
  ctx: LoopContext,
  { bundle, environment, digest }: { bundle: string; environment: string; digest: string },
): Promise<DeployResult> {
  return rolloutAction(ctx, 'follow', bundle, (onEvent) =>
    planAndRun({
      ws: ctx.ws,
      request: { bundle, environment, version: digest, reason: 'follow', automated: true },
      onEvent,
      signal: ctx.signal,
    }),
  );
}

/** Heals one bundle on one cluster now, whatever its self-heal policy says (a person asked), and logs the outcome. */
export async function healAction(
  ctx: LoopContext,
  { bundle, cluster }: { bundle: string; cluster: string },
): Promise<DriftReport> {
  const r = await checkDrift({
    ws: ctx.ws,
    heal: true,
    only: { bundle, cluster },
    onEvent: releaseEvents(ctx, bundle),
    signal: ctx.signal,
  });
  for (const h of r.heals)
    ctx.log[h.outcome === 'healed' ? 'info' : 'warn'](`heal of ${bundle} on ${cluster}: ${h.outcome}`, {
      bundle,
      cluster,
      outcome: h.outcome,
      ...(h.reason ? { reason: h.reason } : {}),
    });
  ctx.changes?.emit({ bundle, kind: 'drift' });
  return r;
}

/**
 * Cuts one source (fetch, discover, cut what changed). A bundle with invalid
 * content is skipped and logged; the rest of the source is cut. Anything that
 * fails the source as a whole (unreachable Git, a file that does not parse,
 * an object two bundles claim) throws, so the source is retried with backoff.
 */
export async function cutSourceAction(
  ctx: LoopContext,
  { source, bundle }: { source: SourceConfig; bundle?: string },
): Promise<CutResult> {
  const scoped = { ...ctx.ws, config: { ...ctx.ws.config, sources: [source] } };
  const r = await cutVersions({
    ws: scoped,
    ...(bundle ? { bundle } : {}),
    onEvent: eventLogger(ctx.log, { source: source.name }),
    onBundleError: ({ bundle: b, error }) => {
      ctx.metrics.cutErrors.inc({ bundle: b });
      ctx.log.error(`bundle ${b} not cut: ${error.message}`, { source: source.name, bundle: b, error });
    },
    signal: ctx.signal,
  });
  for (const c of r.cut) {
    ctx.metrics.versionsCut.inc({ bundle: c.bundle });
    ctx.changes?.emit({ bundle: c.bundle, kind: 'version' });
    ctx.log.info(`cut ${c.bundle}@${c.version}`, {
      source: source.name,
      bundle: c.bundle,
      version: c.version,
      digest: c.digest,
      commit: c.commit,
      changed: c.changedMembers,
      removed: c.removedMembers,
    });
  }
  const moved = r.sources.some((s) => s.moved);
  for (const b of listBundles(ctx.ws.db).filter((x) => x.source === source.name))
    ctx.metrics.bundlesLeftSource.set({ bundle: b.name, source: source.name }, b.left ? 1 : 0);
  for (const l of r.left) {
    // Said once per new head, not on every poll of an unmoved one.
    if (moved)
      ctx.log.warn(
        `bundle ${l.bundle} left source ${l.source} at ${l.commit.slice(0, 12)}: its clusters keep what they run and nothing new is deployed; drover retire ${l.bundle} removes it`,
        { source: l.source, bundle: l.bundle, commit: l.commit, since: l.since, lastVersion: l.lastVersion },
      );
  }
  return r;
}
