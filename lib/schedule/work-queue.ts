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

/** A queue's state, shared by its operations below. */
interface QueueState {
  concurrency: number;
  run: WorkQueueOptions['run'];
  backoff: { baseMs: number; maxMs: number };
  onError: NonNullable<WorkQueueOptions['onError']>;
  timers: Timers;
  paused: boolean;
  stopped: boolean;
  /** Keys waiting for a worker, in order; `queued` holds the same keys for lookup. */
  queue: string[];
  queued: Set<string>;
  running: Set<string>;
  /** Running keys added again: each runs once more when it is done. */
  dirty: Set<string>;
  failureCount: Map<string, number>;
  delayed: Map<string, { at: number; handle: unknown }>;
  /** Resolvers of `stop()` and `idle()`, called once nothing is queued or running. */
  waiters: (() => void)[];
}

export function createWorkQueue({
  concurrency,
  run,
  backoff = { baseMs: 1000, maxMs: 300_000 },
  onError = () => {},
  paused = false,
  timers = realTimers,
}: WorkQueueOptions): WorkQueue {
  const state: QueueState = {
    concurrency,
    run,
    backoff,
    onError,
    timers,
    paused,
    stopped: false,
    queue: [],
    queued: new Set(),
    running: new Set(),
    dirty: new Set(),
    failureCount: new Map(),
    delayed: new Map(),
    waiters: [],
  };
  return {
    add: (key) => addKey({ state, key }),
    addAfter: (key, ms) => addKeyAfter({ state, key, ms }),
    resume() {
      state.paused = false;
      pump(state);
    },
    stop: () => stopQueue(state),
    idle() {
      return state.queue.length === 0 && state.running.size === 0
        ? Promise.resolve()
        : new Promise<void>((r) => state.waiters.push(r));
    },
    get running() {
      return [...state.running];
    },
    get queued() {
      return [...state.queue];
    },
    failures: (key) => state.failureCount.get(key) ?? 0,
  };
}

/** Wakes the waiters of `stop()` and `idle()` once nothing is queued or running. */
function settle(state: QueueState): void {
  if (state.queue.length === 0 && state.running.size === 0) {
    const w = state.waiters;
    state.waiters = [];
    w.forEach((f) => f());
  }
}

/** Starts queued keys while workers are free (and the queue is neither paused nor stopped). */
function pump(state: QueueState): void {
  while (!state.stopped && !state.paused && state.running.size < state.concurrency && state.queue.length > 0) {
    const key = state.queue.shift()!;
    state.queued.delete(key);
    state.running.add(key);
    void runKey({ state, key });
  }
  settle(state);
}

/**
 * Runs one key: on success its failures are forgotten and a requested
 * requeue is scheduled; on failure it is retried after its backoff. A key
 * added while it ran is queued again.
 */
async function runKey({ state, key }: { state: QueueState; key: string }): Promise<void> {
  try {
    const out = await state.run(key);
    state.failureCount.delete(key);
    if (out?.requeueAfterMs !== undefined) addKeyAfter({ state, key, ms: out.requeueAfterMs });
  } catch (error) {
    const attempt = (state.failureCount.get(key) ?? 0) + 1;
    state.failureCount.set(key, attempt);
    const retryInMs = backoffDelayMs({ attempt, ...state.backoff });
    if (!state.stopped) {
      state.onError({ key, error, attempt, retryInMs });
      addKeyAfter({ state, key, ms: retryInMs });
    }
  } finally {
    state.running.delete(key);
    if (state.dirty.delete(key)) addKey({ state, key });
    pump(state);
  }
}

/** Queues a key now, dropping its pending delay; a running key is marked to run once more. */
function addKey({ state, key }: { state: QueueState; key: string }): void {
  if (state.stopped) return;
  const d = state.delayed.get(key);
  if (d) {
    state.timers.clear(d.handle);
    state.delayed.delete(key);
  }
  if (state.running.has(key)) state.dirty.add(key);
  else if (!state.queued.has(key)) {
    state.queued.add(key);
    state.queue.push(key);
  }
  pump(state);
}

/** Queues a key after `ms`, unless an earlier delay for it is already pending. */
function addKeyAfter({ state, key, ms }: { state: QueueState; key: string; ms: number }): void {
  if (state.stopped) return;
  if (ms <= 0) return addKey({ state, key });
  const at = Date.now() + ms;
  const d = state.delayed.get(key);
  if (d && d.at <= at) return;
  if (d) state.timers.clear(d.handle);
  state.delayed.set(key, {
    at,
    handle: state.timers.set(() => {
      state.delayed.delete(key);
      addKey({ state, key });
    }, ms),
  });
}

/** Takes no more work, drops queued and delayed keys; resolves when the running tasks are done. */
function stopQueue(state: QueueState): Promise<void> {
  state.stopped = true;
  for (const d of state.delayed.values()) state.timers.clear(d.handle);
  state.delayed.clear();
  state.queue.length = 0;
  state.queued.clear();
  state.dirty.clear();
  return state.running.size === 0 ? Promise.resolve() : new Promise<void>((r) => state.waiters.push(r));
}
