/**
 * Each environment's channel tag beside what its clusters run, for `drover
 * status` (CLI and API): the version the tag names (read from the registry
 * now, one HEAD per tag; a digest Drover never cut is pulled and checked),
 * and for each cluster whether it runs that version and, when not, why: a
 * release in flight, a failed release, a refused digest, a quarantined
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
      // Not cut here: whatever it is must pass the same check a follow makes.
      try {
        version = (await versions.load(digest)).version;
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
      problem: q && sync === 'moved' ? `${version} is quarantined in ${e.name} (${q.reason}): not followed` : null,
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
  if (view.version !== null && running === view.version && !pending) return { sync: 'in-sync', reason: null };
  const named = view.version ?? view.digest;
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
