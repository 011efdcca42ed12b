/**
 * Triggers for a Source: polling on a node-cron schedule, a chokidar watch of
 * the Git directory's refs for local sources (debounced, so a commit's burst
 * of ref writes is one check), and on-demand `check()` for webhooks. Each
 * trigger runs the same check: sync, and call `onChange` when the head moved
 * since the last one seen. Checks never overlap; a trigger arriving during a
 * check queues one more. Everything stops when `signal` aborts.
 *
 * @example
 *   const watcher = await watchSource({ source, schedule: '*\/1 * * * *', since: lastSeen, onChange: ({ from, to }) => cut(to), signal });
 *   await watcher.check(); // a webhook arrived
 */
import { join } from 'node:path';
import { watch as chokidarWatch } from 'chokidar';
import cron from 'node-cron';
import { InvalidInputError, toDroverError, type DroverError } from '../errors/errors.ts';
import type { Source } from './source.ts';

export type Trigger = 'initial' | 'schedule' | 'fs' | 'demand';

export interface HeadChange {
  /** Last head seen (undefined when nothing was seen before). */
  from: string | undefined;
  to: string;
  trigger: Trigger;
}

export interface SourceWatcher {
  /** Last head seen. */
  readonly head: string | undefined;
  /** Runs a check now (or joins the one running, plus one after it) and resolves when done. */
  check(): Promise<void>;
  /** Resolves once the signal aborted and every trigger has stopped. */
  readonly closed: Promise<void>;
}

export interface WatchSourceOptions {
  source: Source;
  /** node-cron expression (5 fields, or 6 with seconds). Omit for no polling. */
  schedule?: string;
  /** Watch the Git directory's refs (local sources only; default true for them). */
  watchFiles?: boolean;
  debounceMs?: number;
  /** The head last processed (e.g. from state); a different head at start fires `onChange` with trigger `initial`. */
  since?: string;
  onChange: (change: HeadChange) => void | Promise<void>;
  /** A failed check or a throwing `onChange`; watching continues. Default: ignored. */
  onError?: (error: DroverError) => void;
  signal: AbortSignal;
}

/** Validates a node-cron schedule; InvalidInputError naming it otherwise. */
export function checkSchedule(schedule: string): string {
  if (!cron.validate(schedule))
    throw new InvalidInputError(
      `invalid schedule ${JSON.stringify(schedule)} (a node-cron expression such as '*/1 * * * *')`,
      { data: { schedule } },
    );
  return schedule;
}

const silentLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** Starts the triggers; resolves once they are in place and the initial check ran. */
export async function watchSource({
  source,
  schedule,
  watchFiles = source.kind === 'local',
  debounceMs = 200,
  since,
  onChange,
  onError = () => {},
  signal,
}: WatchSourceOptions): Promise<SourceWatcher> {
  if (schedule !== undefined) checkSchedule(schedule);
  signal.throwIfAborted();
  let seen = since;
  let running: Promise<void> | undefined;
  let again: Trigger | undefined;

  const runOnce = async (trigger: Trigger): Promise<void> => {
    try {
      const { head } = await source.sync({ signal });
      if (signal.aborted) return;
      if (head !== seen) {
        const from = seen;
        if (from === undefined && trigger === 'initial') {
          seen = head; // nothing to compare with: this is the baseline
          return;
        }
        seen = head;
        await onChange({ from, to: head, trigger });
      }
    } catch (err) {
      if (!signal.aborted) onError(toDroverError(err));
    }
  };
  const check = (trigger: Trigger): Promise<void> => {
    if (signal.aborted) return Promise.resolve();
    if (running) {
      again = trigger;
      return running;
    }
    running = (async () => {
      let t: Trigger | undefined = trigger;
      while (t && !signal.aborted) {
        again = undefined;
        await runOnce(t);
        t = again;
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const stops: (() => Promise<void> | void)[] = [];
  if (schedule !== undefined)
    stops.push(
      startSchedule({ schedule, name: `drover-source:${source.display}`, fire: () => void check('schedule') }),
    );
  if (watchFiles)
    stops.push(await startRefsWatch({ gitdir: source.gitdir, debounceMs, fire: () => void check('fs'), onError }));

  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const stop = async () => {
    await Promise.allSettled(stops.map((s) => s()));
    await running?.catch(() => {});
    resolveClosed();
  };
  if (signal.aborted) void stop();
  else signal.addEventListener('abort', () => void stop(), { once: true });

  await check('initial');
  return {
    get head() {
      return seen;
    },
    check: () => check('demand'),
    closed,
  };
}

/** The polling trigger: `fire` on a node-cron schedule, never overlapping; returns its stop. */
function startSchedule({ schedule, name, fire }: { schedule: string; name: string; fire: () => void }): () => void {
  const task = cron.schedule(schedule, fire, { noOverlap: true, logger: silentLogger, name });
  return () => task.destroy();
}

/**
 * The file trigger: a chokidar watch of the Git directory's branch refs,
 * `fire` once a burst of writes has been quiet for `debounceMs`; resolves
 * with its stop once the watch is ready.
 */
async function startRefsWatch({
  gitdir,
  debounceMs,
  fire,
  onError,
}: {
  gitdir: string;
  debounceMs: number;
  fire: () => void;
  onError: (error: DroverError) => void;
}): Promise<() => Promise<void>> {
  let timer: NodeJS.Timeout | undefined;
  const fsWatcher = chokidarWatch([join(gitdir, 'refs', 'heads'), join(gitdir, 'packed-refs')], {
    ignoreInitial: true,
    persistent: true,
  });
  const onFs = () => {
    clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  };
  fsWatcher.on('all', onFs);
  fsWatcher.on('error', (err) => onError(toDroverError(err)));
  await new Promise<void>((resolve) => fsWatcher.once('ready', () => resolve()));
  return async () => {
    clearTimeout(timer);
    await fsWatcher.close();
  };
}
