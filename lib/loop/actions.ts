/**
 * The daemon's actions, shared by the loop and the API: cut one source,
 * deploy, promote, roll back. Each calls the same library function the CLI
 * does and adds what a long-running process needs: metrics for every
 * release, a log line per outcome, and the channel tag put back if shutdown
 * aborts a deploy halfway (the engine leaves an aborted release to recovery,
 * which restores the previous version, so the tag must name it again).
 */
import { toDroverError } from '../errors/errors.ts';
import { type CutResult, cutVersions } from '../verbs/cut.ts';
import { type DeployResult, deployVersion } from '../verbs/deploy.ts';
import { type DriftReport, checkDrift } from '../verbs/drift.ts';
import { promote } from '../verbs/promote.ts';
import { rollbackEnvironment } from '../verbs/rollback.ts';
import type { SourceConfig } from '../config/config.ts';
import { listBundles } from '../state/versions.ts';
import { bundleVersions } from '../workspace/bundle-versions.ts';
import { eventLogger } from './log.ts';
import type { LoopContext } from './loop-context.ts';
import type { OnEvent } from '../progress.ts';
import { isRefusalReason } from '../release/refusal.ts';

/** A release's events: logged, and each one a note on the change feed that the bundle's release moved a step. */
function releaseEvents(ctx: LoopContext, bundle: string): OnEvent {
  const log = eventLogger(ctx.log, { bundle });
  return (e) => {
    log(e);
    ctx.changes?.emit({ bundle, kind: 'release' });
  };
}

/** Counts a deploy's per-cluster outcomes in drover_releases_total and drover_rollbacks_total, and notes which clusters answered. */
export function countReleases(ctx: Pick<LoopContext, 'metrics' | 'deps'>, r: DeployResult): void {
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

function logOutcome(ctx: LoopContext, what: string, r: DeployResult): void {
  const fields = {
    bundle: r.bundle,
    version: r.version,
    ...(r.environment ? { environment: r.environment } : {}),
    clusters: r.clusters.map((c) => ({
      cluster: c.cluster,
      state: c.state,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.failedObject ? { failedObject: c.failedObject } : {}),
      ...(c.message ? { message: c.message } : {}),
    })),
  };
  if (r.ok) ctx.log.info(`${what} ${r.bundle}@${r.version}: healthy`, fields);
  else ctx.log.error(`${what} ${r.bundle}@${r.version}: failed`, fields);
}

/**
 * Runs a deploy that may move `environment`'s channel tag. If the work signal
 * aborts it (shutdown past the grace period), the tag is put back to what it
 * named before, since recovery restores the clusters to that version.
 */
async function guardChannel(
  ctx: LoopContext,
  { bundle, environment }: { bundle: string; environment: string | undefined },
  run: () => Promise<DeployResult>,
): Promise<DeployResult> {
  if (!environment) return run();
  const versions = bundleVersions({ ws: ctx.ws, bundle, signal: ctx.signal });
  const before = await versions.channel(environment);
  try {
    return await run();
  } catch (err) {
    if (ctx.signal.aborted && before) {
      await versions.moveChannel(environment, before, { signal: AbortSignal.timeout(10_000) }).then(
        () =>
          ctx.log.warn(`put channel tag ${environment} of ${bundle} back after an interrupted deploy`, {
            bundle,
            environment,
            digest: before,
          }),
        (e: unknown) =>
          ctx.log.error(`could not put channel tag ${environment} of ${bundle} back`, {
            bundle,
            environment,
            error: toDroverError(e),
          }),
      );
    }
    throw err;
  }
}

export async function deployAction(
  ctx: LoopContext,
  {
    bundle,
    version,
    environment,
    cluster,
    moveChannel = true,
  }: { bundle: string; version: string; environment?: string; cluster?: string; moveChannel?: boolean },
): Promise<DeployResult> {
  const onEvent = releaseEvents(ctx, bundle);
  const r = await guardChannel(ctx, { bundle, environment: moveChannel ? environment : undefined }, () =>
    deployVersion({
      ws: ctx.ws,
      bundle,
      version,
      ...(environment ? { environment } : {}),
      ...(cluster ? { cluster } : {}),
      moveChannel: Boolean(environment) && moveChannel,
      onEvent,
      signal: ctx.signal,
    }),
  );
  countReleases(ctx, r);
  logOutcome(ctx, 'deploy', r);
  ctx.changes?.emit({ bundle, kind: 'release' });
  return r;
}

export async function promoteAction(
  ctx: LoopContext,
  { bundle, to, version }: { bundle: string; to: string; version?: string },
): Promise<DeployResult> {
  const onEvent = releaseEvents(ctx, bundle);
  const r = await guardChannel(ctx, { bundle, environment: to }, () =>
    promote({ ws: ctx.ws, bundle, to, ...(version ? { version } : {}), onEvent, signal: ctx.signal }),
  );
  countReleases(ctx, r);
  logOutcome(ctx, 'promote', r);
  ctx.changes?.emit({ bundle, kind: 'release' });
  return r;
}

export async function rollbackAction(
  ctx: LoopContext,
  { bundle, environment, to }: { bundle: string; environment: string; to?: string },
): Promise<DeployResult> {
  const onEvent = releaseEvents(ctx, bundle);
  const r = await guardChannel(ctx, { bundle, environment }, () =>
    rollbackEnvironment({
      ws: ctx.ws,
      bundle,
      environment,
      ...(to ? { to } : {}),
      onEvent,
      signal: ctx.signal,
    }),
  );
  countReleases(ctx, r);
  if (r.ok) ctx.metrics.rollbacks.inc({ kind: 'environment' });
  logOutcome(ctx, 'rollback', r);
  ctx.changes?.emit({ bundle, kind: 'release' });
  return r;
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
