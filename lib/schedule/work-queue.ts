/**
 * The daemon's work queue, keyed (`source:shop`, `bundle:web`): a key is
 * queued at most once and runs on at most one worker at a time, so one
 * bundle's work never overlaps itself while different bundles run side by
 * side. A key added while it runs runs once more afterwards. A failing key
 * is retried with exponential backoff (its own, so one bundle's failures
 * never slow the others) and its backoff resets on the first success; an
 * explicit `add` (a new push, an API call) skips a pending backoff. A task
 * may ask to run again later (`requeueAfterMs`, e.g. a promotion waiting for
 * its environment to have been healthy long enough).
 *
 * @example
 *   const q = createWorkQueue({ concurrency: 4, run: async (key) => reconcile(key) });
 *   q.add('bundle:web');
 *   await q.stop(); // no new work; resolves when the running tasks are done
 */

export interface TaskOutcome {
  /** Run this key again after this delay. */
  requeueAfterMs?: number;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface WorkQueueOptions {
  concurrency: number;
  run: (key: string) => Promise<TaskOutcome | void>;
  backoff?: { baseMs: number; maxMs: number };
  /** A task failed; it is retried in `retryInMs`. */
  onError?: (e: { key: string; error: unknown; attempt: number; retryInMs: number }) => void;
  /** Start paused (keys are kept until `resume()`), e.g. while recovery runs. */
  paused?: boolean;
  timers?: Timers;
}

export interface WorkQueue {
  add(key: string): void;
  addAfter(key: string, ms: number): void;
  resume(): void;
  /** Stops taking work (queued and delayed keys are dropped); resolves when running tasks are done. */
  stop(): Promise<void>;
  /** Resolves when nothing is queued or running (delayed keys do not count). */
  idle(): Promise<void>;
  readonly running: readonly string[];
  readonly queued: readonly string[];
  /** Consecutive failures of a key (0 after a success). */
  failures(key: string): number;
}

/** Exponential backoff: base, 2x base, 4x base... capped at max. Pure. */
export function backoffDelayMs({ attempt, baseMs, maxMs }: { attempt: number; baseMs: number; maxMs: number }): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
}

const realTimers: Timers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export function createWorkQueue({
  concurrency,
  run,
  backoff = { baseMs: 1000, maxMs: 300_000 },
  onError = () => {},
  paused = false,
  timers = realTimers,
}: WorkQueueOptions): WorkQueue {
  const queue: string[] = [];
  const queued = new Set<string>();
  const running = new Set<string>();
  const dirty = new Set<string>();
  const failureCount = new Map<string, number>();
  const delayed = new Map<string, { at: number; handle: unknown }>();
  let stopped = false;
  let waiters: (() => void)[] = [];

  const settle = () => {
    if (queue.length === 0 && running.size === 0) {
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    }
  };
  const pump = () => {
    while (!stopped && !paused && running.size < concurrency && queue.length > 0) {
      const key = queue.shift()!;
      queued.delete(key);
      running.add(key);
      void runOne(key);
    }
    settle();
  };
  const runOne = async (key: string) => {
    try {
      const out = await run(key);
      failureCount.delete(key);
      if (out?.requeueAfterMs !== undefined) addAfter(key, out.requeueAfterMs);
    } catch (error) {
      const attempt = (failureCount.get(key) ?? 0) + 1;
      failureCount.set(key, attempt);
      const retryInMs = backoffDelayMs({ attempt, ...backoff });
      if (!stopped) {
        onError({ key, error, attempt, retryInMs });
        addAfter(key, retryInMs);
      }
    } finally {
      running.delete(key);
      if (dirty.delete(key)) add(key);
      pump();
    }
  };
  const add = (key: string) => {
    if (stopped) return;
    const d = delayed.get(key);
    if (d) {
      timers.clear(d.handle);
      delayed.delete(key);
    }
    if (running.has(key)) dirty.add(key);
    else if (!queued.has(key)) {
      queued.add(key);
      queue.push(key);
    }
    pump();
  };
  const addAfter = (key: string, ms: number) => {
    if (stopped) return;
    if (ms <= 0) return add(key);
    const at = Date.now() + ms;
    const d = delayed.get(key);
    if (d && d.at <= at) return;
    if (d) timers.clear(d.handle);
    delayed.set(key, {
      at,
      handle: timers.set(() => {
        delayed.delete(key);
        add(key);
      }, ms),
    });
  };

  return {
    add,
    addAfter,
    resume() {
      paused = false;
      pump();
    },
    stop() {
      stopped = true;
      for (const d of delayed.values()) timers.clear(d.handle);
      delayed.clear();
      queue.length = 0;
      queued.clear();
      dirty.clear();
      return running.size === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r));
    },
    idle() {
      return queue.length === 0 && running.size === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r));
    },
    get running() {
      return [...running];
    },
    get queued() {
      return [...queue];
    },
    failures: (key) => failureCount.get(key) ?? 0,
  };
}
