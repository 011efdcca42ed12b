/**
 * Channel tags as desired state: for each environment of a bundle, read the
 * tag and, when it names a digest someone else put there (`moved` in
 * release/channels.ts), release that digest to the environment with the
 * usual waves, rollback and revert, without moving the tag. Before anything
 * is applied the digest must be a Drover version of this bundle
 * (bundle/artifact-check.ts); one that is not is refused loudly (log once
 * per digest, `drover_channel_refused`, status) and nothing changes. The
 * rollout then refuses, before any apply, a digest this hub never cut
 * (`NotCutHere`: a genuine artifact of another Drover copied in and tagged
 * included) and, where the environment requires signatures, one not signed
 * by a key it trusts (rollout/trust-gate.ts): journaled once, counted in
 * `drover_verify_refused_total`, said like the refusals above, and asked
 * again at each pass without another rollout until the tag moves or the
 * gate lets it through (a version signed later with `drover keys sign`).
 *
 * After a follow:
 * - healthy: the tag is marked as Drover's; a move back to an older version
 *   quarantines the version left in that environment (as `drover rollback`
 *   does), so automation does not promote it straight back;
 * - failed and rolled back: the version is quarantined there for automation
 *   and the tag goes back to what the environment ran whole before, unless
 *   someone moved it again meanwhile;
 * - a cluster unreachable, or another engine holding it: the task throws and
 *   the queue retries it with backoff, like any rollout that could not run.
 *
 * A tag naming a version quarantined in that environment is not followed (a
 * person releases it with `drover promote --version` or `drover deploy`).
 *
 * Reading the tags (`tagReader`): one listing of the bundle's tags says which
 * environments have one at all; a tag the channel watch read within its last
 * two rounds (state/channel-reads.ts), after Drover's own last move or
 * follow of it (its mark), is taken from that read; any other tag is read
 * with a HEAD. A bundle woken at rest (the loop's resync) so costs one
 * request instead of one per environment, and a read from before Drover's
 * own move is never mistaken for someone else's.
 *
 * @example
 *   const r = await followChannels(ctx, { bundle: 'web' });
 *   r.followed // [{ environment: 'prod', version: '1.0.0', ok: true }]
 */
import { unusableReasonOf } from '../bundle/artifact-check.ts';
import { toDroverError } from '../errors/errors.ts';
import { channelSync } from '../release/channels.ts';
import { channelMark } from '../state/channel-marks.ts';
import { channelRead } from '../state/channel-reads.ts';
import { isQuarantined } from '../state/quarantine.ts';
import { environmentRun } from '../release/environment-run.ts';
import { lastReleases } from '../state/releases.ts';
import type { BundleStore } from '../oci/index.ts';
import { outcomeError } from '../rollout/outcome.ts';
import type { PlanRefusal } from '../rollout/plan.ts';
import { TRUST_REFUSALS, trustRefusal, verifyRefusalLabel } from '../rollout/trust-gate.ts';
import type { DeployResult } from '../verbs/deploy.ts';
import { followAction } from './actions.ts';
import type { ChannelMemory, LoopContext } from './loop-context.ts';
import type { Hold } from './promotion-policy.ts';

export interface FollowResult {
  followed: { environment: string; version: string; digest: string; ok: boolean }[];
  held: Hold[];
}

export async function followChannels(ctx: LoopContext, { bundle }: { bundle: string }): Promise<FollowResult> {
  const out: FollowResult = { followed: [], held: [] };
  const db = ctx.ws.db;
  const memory = ctx.channels ?? new Map();
  const versions = ctx.ws.versions(bundle, { signal: ctx.signal });
  const readTag = await tagReader(ctx, versions, bundle);
  for (const e of ctx.ws.config.environments) {
    ctx.signal.throwIfAborted();
    const labels = { bundle, environment: e.name };
    const key = `${bundle}\0${e.name}`;
    const hold = (reason: string) => out.held.push({ environment: e.name, reason });
    const tag = await readTag(e.name);
    if (tag.refused) {
      refused(ctx, memory, { bundle, environment: e.name, digest: '(tag)', reason: tag.refused, message: tag.message });
      hold(`channel tag refused: ${tag.message}`);
      continue;
    }
    const before = environmentRun(lastReleases(db, { bundle, clusters: e.clusters }));
    const sync = channelSync({ tag: tag.digest, mark: channelMark(db, labels)?.digest, clusters: before.clusters });
    ctx.metrics.channelInSync.set(labels, sync.kind === 'in-sync' || sync.kind === 'no-tag' ? 1 : 0);
    if (sync.kind !== 'moved') {
      // A tag Drover can stand behind again: forget what was refused, mark what runs.
      clearRefused(ctx, memory, key, labels);
      if (sync.kind === 'in-sync' && channelMark(db, labels)?.digest !== tag.digest) versions.mark(e.name, tag.digest!);
      continue;
    }
    const digest = tag.digest!;
    let version: string;
    try {
      version = (await versions.load(digest)).version;
    } catch (err) {
      const reason = unusableReasonOf(err);
      if (!reason) throw err;
      refused(ctx, memory, { bundle, environment: e.name, digest, reason, message: toDroverError(err).message });
      hold(`channel tag names ${digest}, refused: ${toDroverError(err).message}`);
      continue;
    }
    const still = await stillRefused(ctx, memory, { bundle, environment: e.name, version, digest });
    if (still) {
      ctx.metrics.channelInSync.set(labels, 0);
      hold(`the tag names ${version} (${digest}), refused: ${still.message}`);
      continue;
    }
    clearRefused(ctx, memory, key, labels);
    if (isQuarantined(db, { bundle, version, environment: e.name })) {
      if (memory.get(key)?.digest !== digest) {
        memory.set(key, { digest });
        ctx.metrics.channelFollows.inc({ ...labels, result: 'quarantined' });
        ctx.log.warn(
          `channel tag ${e.name} of ${bundle} names ${version}, quarantined in ${e.name}: not followed; drover promote ${bundle} --to ${e.name} --version ${version} releases it by hand`,
          { ...labels, version, digest },
        );
      }
      hold(`the tag names ${version}, quarantined here: not followed`);
      continue;
    }
    memory.delete(key);
    ctx.log.info(`channel tag ${e.name} of ${bundle} moved to ${version} outside Drover: releasing it`, {
      ...labels,
      version,
      digest,
      outOfSync: sync.outOfSync,
      ...(before.runs ? { from: before.runs } : {}),
    });
    const r = await followAction(ctx, { bundle, environment: e.name, digest });
    const after = afterFollow(ctx, memory, { bundle, environment: e.name, digest }, r);
    if ('held' in after) hold(after.held);
    else out.followed.push({ environment: e.name, version, digest, ok: after.ok });
  }
  return out;
}

/** A digest a trust gate refused before, asked again without a rollout (no journal row per pass): the refusal when it still stands. */
async function stillRefused(
  ctx: LoopContext,
  memory: ChannelMemory,
  plan: { bundle: string; environment: string; version: string; digest: string },
): Promise<PlanRefusal | undefined> {
  const seen = memory.get(`${plan.bundle}\0${plan.environment}`);
  if (!seen?.trust || seen.digest !== plan.digest) return undefined;
  return trustRefusal({ ws: ctx.ws, plan, signal: ctx.signal });
}

/**
 * A follow's rollout, counted and said by its outcome: followed (ok or not), or held when a trust gate refused
 * it. One that could not run throws, and the queue tries it again with backoff.
 */
function afterFollow(
  ctx: LoopContext,
  memory: ChannelMemory,
  { bundle, environment, digest }: { bundle: string; environment: string; digest: string },
  r: DeployResult,
): { ok: boolean } | { held: string } {
  const labels = { bundle, environment };
  const gate = r.outcome === 'refused' ? r.plan.refusal : undefined;
  if (gate && TRUST_REFUSALS.includes(gate.reason)) {
    // Not a version to try again with backoff: nothing of it ran, and nothing will until the tag moves or it is signed.
    refused(ctx, memory, {
      bundle,
      environment,
      digest,
      reason: verifyRefusalLabel(gate)!,
      message: gate.message,
      trust: true,
    });
    return { held: `the tag names ${r.version} (${digest}), refused: ${gate.message}` };
  }
  if (r.outcome === 'healthy') {
    ctx.metrics.channelFollows.inc({ ...labels, result: 'healthy' });
    ctx.metrics.channelInSync.set(labels, 1);
    return { ok: true };
  }
  if (r.outcome === 'rolled-back' || r.outcome === 'needs-person' || r.quarantined.length > 0) {
    // The version failed here (a refusal on a cluster included): quarantined, and the tag put back.
    ctx.metrics.channelFollows.inc({ ...labels, result: 'failed' });
    logPutBack(ctx, r);
    return { ok: false };
  }
  // Nothing was written: tried again with backoff, like any rollout that could not run.
  throw outcomeError(r)!;
}

interface TagRead {
  digest?: string;
  refused?: string;
  message?: string;
}

/** One pass's reader of the bundle's channel tags (see the module's doc comment). */
async function tagReader(
  ctx: LoopContext,
  versions: BundleStore,
  bundle: string,
): Promise<(environment: string) => Promise<TagRead>> {
  const db = ctx.ws.db;
  const listed = await versions.channelsListed(ctx.ws.config.environments.map((e) => e.name));
  const freshAfter = new Date(Date.now() - 2 * ctx.ws.config.serve.channels.pollSeconds * 1000).toISOString();
  return async (environment) => {
    if (listed && !listed.has(environment)) return {};
    const read = channelRead(db, { bundle, environment });
    const mark = channelMark(db, { bundle, environment });
    // Read after Drover's last move of the tag, and recently: what the tag names now, but for a move the watch's next round sees.
    if (read?.digest && read.at >= freshAfter && (!mark || read.at > mark.at)) return { digest: read.digest };
    return headTag(versions, environment);
  };
}

/** The tag's digest (undefined: no tag), or why it cannot be read as a manifest; an unreachable registry throws. */
async function headTag(versions: BundleStore, environment: string): Promise<TagRead> {
  try {
    const digest = await versions.channel(environment);
    return digest ? { digest } : {};
  } catch (err) {
    const reason = unusableReasonOf(err);
    if (!reason) throw err;
    return { refused: reason, message: toDroverError(err).message };
  }
}

function refused(
  ctx: LoopContext,
  memory: ChannelMemory,
  {
    bundle,
    environment,
    digest,
    reason,
    message,
    trust = false,
  }: {
    bundle: string;
    environment: string;
    digest: string;
    reason: string;
    message: string | undefined;
    trust?: boolean;
  },
): void {
  const key = `${bundle}\0${environment}`;
  const labels = { bundle, environment };
  ctx.metrics.channelInSync.set(labels, 0);
  const seen = memory.get(key);
  if (seen?.digest === digest && seen.refused === reason) return;
  if (seen?.refused) ctx.metrics.channelRefused.remove({ ...labels, reason: seen.refused });
  memory.set(key, { digest, refused: reason, ...(trust ? { trust } : {}) });
  ctx.metrics.channelRefused.set({ ...labels, reason }, 1);
  ctx.metrics.channelFollows.inc({ ...labels, result: 'refused' });
  ctx.log.error(`channel tag ${environment} of ${bundle} refused: ${message ?? reason}; nothing of it is applied`, {
    ...labels,
    digest,
    reason,
  });
}

function clearRefused(
  ctx: LoopContext,
  memory: ChannelMemory,
  key: string,
  labels: { bundle: string; environment: string },
): void {
  const seen = memory.get(key);
  if (!seen?.refused) return;
  ctx.metrics.channelRefused.remove({ ...labels, reason: seen.refused });
  memory.delete(key);
}

/** After a failed follow: what became of the tag (the rollout put it back to what runs, unless it was moved again meanwhile). */
function logPutBack(ctx: LoopContext, r: DeployResult): void {
  const fields = { bundle: r.bundle, environment: r.environment, version: r.version, digest: r.digest };
  const env = r.environment!;
  if (r.channel?.restoreError)
    ctx.log.error(
      `${r.bundle}@${r.version} failed in ${env} and was rolled back; the ${env} tag could not be put back: ${r.channel.restoreError}`,
      fields,
    );
  else if (r.channel?.restored)
    ctx.log.warn(
      `${r.bundle}@${r.version} failed in ${env} and was rolled back whole; quarantined there, and the ${env} tag put back to what runs`,
      { ...fields, tag: r.plan.channel?.putBackTo },
    );
  else if (!r.plan.channel?.putBackTo)
    ctx.log.warn(
      `${r.bundle}@${r.version} failed in ${env} and was rolled back; the tag stays on it (${env} ran no one version before)`,
      fields,
    );
}
