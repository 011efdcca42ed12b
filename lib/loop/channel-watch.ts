/**
 * The channel-tag watch of `drover serve`: every `serve.channels.pollSeconds`
 * it reads each (bundle, environment) channel tag once (a HEAD per tag; only
 * where the bundle has run or had its tag set: the loop lists every
 * bundle's tags at each resync, so a tag set where a bundle never ran is
 * found within `resyncSeconds`), records what it read (the loop's pass takes
 * a tag from there rather than read it again) and
 * wakes the bundles whose tag someone else moved, so the loop follows it
 * (follow-channels.ts). Reading only: it never releases or moves anything
 * itself, and a bundle is woken at most once per round. Drover's own moves
 * need no poll: they mark the tag as they move it, and the action that moved
 * it wakes its bundle.
 *
 * @example
 *   defaultBackgroundTasks // [driftTask, channelWatchTask]
 */
import { toDroverError } from '../errors/errors.ts';
import { channelSync } from '../release/channels.ts';
import { settleLimit } from '../foundation/map-limit.ts';
import { singleFlight } from '../foundation/single-flight.ts';
import { channelMark } from '../state/channel-marks.ts';
import { type ChannelRead, recordChannelReads } from '../state/channel-reads.ts';
import { lastReleases } from '../state/releases.ts';
import { lastRelease } from '../state/releases.ts';
import { listBundles } from '../state/versions.ts';
import type { BackgroundContext, BackgroundTask, RunningTask } from './background.ts';

/** Tags read side by side in one round. */
const CONCURRENCY = 8;

/**
 * One round: the bundles whose tag in some environment was moved outside
 * Drover (or cannot be read as one of its versions), or names another digest
 * than in the previous round (`seen`, updated here): a tag put back to what
 * runs needs no release, but the loop's view of it (metrics, refusals) does.
 */
export async function movedChannels({
  ws,
  signal,
  seen = new Map(),
}: Pick<BackgroundContext, 'ws' | 'signal'> & { seen?: Map<string, string | undefined> }): Promise<{
  moved: string[];
  errors: Error[];
}> {
  // The pairs a bundle has been released to or had its tag marked in; a tag that appears where the bundle never ran is found by the loop's own read at resync.
  const pairs = listBundles(ws.db)
    .filter((b) => !b.left)
    .flatMap((b) => ws.config.environments.map((e) => ({ bundle: b.name, environment: e })))
    .filter(
      ({ bundle, environment: e }) =>
        channelMark(ws.db, { bundle, environment: e.name }) !== undefined ||
        e.clusters.some((c) => lastRelease(ws.db, bundle, c) !== undefined),
    );
  const moved = new Set<string>();
  const reads: ChannelRead[] = [];
  const results = await settleLimit(pairs, CONCURRENCY, async ({ bundle, environment: e }) => {
    const at = new Date().toISOString();
    const tag = await ws.versions(bundle, { signal }).channel(e.name);
    reads.push({ bundle, environment: e.name, digest: tag ?? null, at });
    const key = `${bundle}\0${e.name}`;
    const changed = seen.has(key) && seen.get(key) !== tag;
    seen.set(key, tag);
    if (changed) moved.add(bundle);
    const sync = channelSync({
      tag,
      mark: channelMark(ws.db, { bundle, environment: e.name })?.digest,
      clusters: lastReleases(ws.db, { bundle, clusters: e.clusters }),
    });
    if (sync.kind === 'moved') moved.add(bundle);
  });
  // What was read, for whoever shows tags (the dashboard) and the loop's next pass (follow-channels.ts): one transaction a round.
  recordChannelReads(
    ws.db,
    reads,
    pairs
      .filter((_, i) => results[i]!.status === 'rejected')
      .map(({ bundle, environment: e }) => ({ bundle, environment: e.name })),
  );
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [toDroverError(r.reason)] : []));
  // A tag that is not a manifest at all fails its HEAD: its bundle is woken, and the loop refuses it and says why.
  for (const [i, r] of results.entries())
    if (r.status === 'rejected' && toDroverError(r.reason).code === 'E_INTEGRITY') moved.add(pairs[i]!.bundle);
  return { moved: [...moved], errors: errors.filter((e) => toDroverError(e).code !== 'E_INTEGRITY') };
}

export const channelWatchTask: BackgroundTask = {
  name: 'channels',
  start({ ws, log, wakeBundle, changes, signal }): RunningTask {
    const { follow, pollSeconds } = ws.config.serve.channels;
    if (!follow) return { stop: async () => {} };
    let lastError: string | undefined;
    const seen = new Map<string, string | undefined>();
    // One round at a time: a registry that accepts and never answers must not gather a round per tick.
    const round = singleFlight(() =>
      movedChannels({ ws, signal, seen }).then(
        ({ moved, errors }) => {
          for (const b of moved) {
            log.debug(`channel tag of ${b} moved outside Drover: waking it`, { bundle: b });
            wakeBundle(b);
            changes?.emit({ bundle: b, kind: 'channel' });
          }
          // An unreachable registry is the dependency tracker's to report; said here once per change.
          const error = errors[0]?.message;
          if (error && error !== lastError) log.warn(`channel tags not read: ${error}`, { failed: errors.length });
          lastError = error;
        },
        (err: unknown) => log.warn(`channel tags not read: ${toDroverError(err).message}`),
      ),
    );
    const timer = setInterval(() => {
      if (signal.aborted) return;
      if (round.running) log.debug('channel tags: the previous round is still reading; this tick joins it');
      void round();
    }, pollSeconds * 1000);
    timer.unref();
    return {
      stop: async () => {
        clearInterval(timer);
        if (round.running) await round();
      },
    };
  },
};
