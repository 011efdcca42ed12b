/**
 * Each environment's channel tag beside what its clusters run, for `drover
 * status` (CLI and API): the version the tag names (read from the registry
 * now, one HEAD per tag; a digest Drover never cut is pulled and checked,
 * and refused: NotCutHere),
 * and for each cluster whether it runs that version and, when not, why: a
 * release in flight, a failed release, a refused digest (not cut here, or
 * its rollout refused: unsigned, untrusted key...), a quarantined
 * version, a tag moved and not yet followed, the registry unreachable.
 *
 * @example
 *   const views = await channelViews({ ws, bundles: ['web'] });
 *   clusterSync(views.get('web')!.get('prod')!, { running: '1.0.1', last, pending: null })
 *   // { sync: 'out-of-sync', reason: 'the tag was moved to 1.0.0 outside Drover; drover serve releases it' }
 */
import { unusableReasonOf } from '../bundle/artifact-check.ts';
import { toDroverError } from '../errors/errors.ts';
import { channelSync, type ChannelSync } from '../release/channels.ts';
import { mapLimit } from '../foundation/map-limit.ts';
import { channelTag } from '../oci/index.ts';
import { channelMark } from '../state/channel-marks.ts';
import { listQuarantine } from '../state/quarantine.ts';
import { lastReleases } from '../state/releases.ts';
import { listRollouts } from '../state/rollouts.ts';
import type { ReleaseRecord } from '../state/releases.ts';
import { listVersions } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface ChannelView {
  environment: string;
  tag: string;
  /** What the tag names; null when there is no tag or it could not be read. */
  digest: string | null;
  /** The version it names; null when there is none, or the digest is not a version of the bundle. */
  version: string | null;
  sync: ChannelSync['kind'] | 'unreadable';
  /** Why the tag cannot be followed: refused digest, quarantined version, registry unreachable. */
  problem: string | null;
}

export interface ClusterSync {
  sync: 'in-sync' | 'out-of-sync' | null;
  reason: string | null;
}

/** Every (bundle, environment) channel tag read now; bundle -> environment -> view. */
export async function channelViews({
  ws,
  bundles,
  signal,
}: {
  ws: Workspace;
  bundles: readonly string[];
  signal?: AbortSignal;
}): Promise<Map<string, Map<string, ChannelView>>> {
  const pairs = bundles.flatMap((bundle) => ws.config.environments.map((e) => ({ bundle, e })));
  const views = await mapLimit(pairs, 8, async ({ bundle, e }): Promise<ChannelView> => {
    const base = { environment: e.name, tag: channelTag(e.name) };
    const versions = ws.versions(bundle, { signal });
    let digest: string | undefined;
    try {
      digest = await versions.channel(e.name);
    } catch (err) {
      const refusal = unusableReasonOf(err);
      const message = toDroverError(err).message;
      return {
        ...base,
        digest: null,
        version: null,
        sync: 'unreadable',
        problem: refusal ? `refused (${refusal}): ${message}` : `registry unreachable: ${message}`,
      };
    }
    const sync = channelSync({
      tag: digest,
      mark: channelMark(ws.db, { bundle, environment: e.name })?.digest,
      clusters: lastReleases(ws.db, { bundle, clusters: e.clusters }),
    }).kind;
    if (!digest) return { ...base, digest: null, version: null, sync, problem: null };
    let version = listVersions(ws.db, bundle).find((v) => v.digest === digest)?.version ?? null;
    if (!version) {
      // Not cut here: whatever it is must pass the same check a follow makes, and the hub refuses it anyway (NotCutHere).
      try {
        version = (await versions.load(digest)).version;
        return {
          ...base,
          digest,
          version,
          sync,
          problem: `refused (NotCutHere): ${bundle}@${version} (${digest}) is not a version this hub cut; nothing of it is applied`,
        };
      } catch (err) {
        const d = toDroverError(err);
        const refusal = unusableReasonOf(err);
        return {
          ...base,
          digest,
          version: null,
          sync,
          problem: refusal ? `refused (${refusal}): ${d.message}` : `registry unreachable: ${d.message}`,
        };
      }
    }
    const q = listQuarantine(ws.db, bundle).find((x) => x.version === version && x.environment === e.name);
    return {
      ...base,
      digest,
      version,
      sync,
      problem:
        sync !== 'moved'
          ? null
          : q
            ? `${version} is quarantined in ${e.name} (${q.reason}): not followed`
            : refusalOf(ws, { bundle, environment: e.name, digest }),
    };
  });
  const out = new Map<string, Map<string, ChannelView>>();
  for (const [i, v] of views.entries()) {
    const bundle = pairs[i]!.bundle;
    if (!out.has(bundle)) out.set(bundle, new Map());
    out.get(bundle)!.set(v.environment, v);
  }
  return out;
}

/** Why the newest rollout to the digest the tag names was refused (unsigned, untrusted key...), when it was. */
function refusalOf(
  ws: Workspace,
  { bundle, environment, digest }: { bundle: string; environment: string; digest: string },
): string | null {
  const [last] = listRollouts(ws.db, { bundle, environment, limit: 1 });
  if (last?.digest !== digest || last.outcome !== 'refused') return null;
  const error = (last.failures[0] as { error?: { reason?: string; message?: string } } | undefined)?.error;
  return `refused (${error?.reason ?? 'refused'}): ${error?.message ?? 'see drover history'}`;
}

/** Whether one cluster runs what its environment's tag names, and why not. Pure. */
export function clusterSync(
  view: ChannelView,
  {
    running,
    last,
    pending,
  }: {
    running: string | null;
    last: Pick<ReleaseRecord, 'version' | 'state' | 'reason'> | null;
    pending: string | null;
  },
): ClusterSync {
  if (view.sync === 'unreadable')
    return { sync: view.problem?.startsWith('refused') ? 'out-of-sync' : null, reason: view.problem };
  if (view.digest === null) return { sync: null, reason: null };
  const named = view.version ?? view.digest;
  // A refused digest may well claim the version that runs (an artifact of another Drover): it is not in sync.
  if (view.problem?.startsWith('refused'))
    return { sync: 'out-of-sync', reason: `the tag names ${named}: ${view.problem}` };
  if (view.version !== null && running === view.version && !pending) return { sync: 'in-sync', reason: null };
  if (view.problem) return { sync: 'out-of-sync', reason: `the tag names ${named}: ${view.problem}` };
  if (pending || (last && !['succeeded', 'rolled-back', 'rollback-failed'].includes(last.state)))
    return { sync: 'out-of-sync', reason: `in flight: ${pending ?? last!.version}` };
  if (last && last.version === view.version && (last.state === 'rolled-back' || last.state === 'rollback-failed'))
    return {
      sync: 'out-of-sync',
      reason: `the release of ${last.version} failed (${last.state})${last.reason ? `: ${last.reason}` : ''}`,
    };
  if (view.sync === 'moved')
    return { sync: 'out-of-sync', reason: `the tag was moved to ${named} outside Drover; drover serve releases it` };
  if (view.sync === 'retired') return { sync: 'out-of-sync', reason: 'retired here' };
  if (last && (last.state === 'rolled-back' || last.state === 'rollback-failed'))
    return {
      sync: 'out-of-sync',
      reason: `the release of ${last.version} failed (${last.state})${last.reason ? `: ${last.reason}` : ''}`,
    };
  return {
    sync: 'out-of-sync',
    reason: `runs ${running ?? 'nothing'}; the tag names ${named} (released here outside the tag, or kept after a failed rollout)`,
  };
}
