import { describe, expect, it } from 'vitest';
import { backoffDelayMs, createWorkQueue, type Timers } from './work-queue.ts';

/** Timers driven by hand: `fire()` runs every pending one. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let id = 0;
  const timers: Timers = {
    set: (fn, ms) => {
      pending.set(++id, { fn, ms });
      return id;
    },
    clear: (h) => void pending.delete(h as number),
  };
  return {
    timers,
    delays: () => [...pending.values()].map((p) => p.ms),
    fire: () => {
      const all = [...pending.values()];
      pending.clear();
      all.forEach((p) => p.fn());
    },
  };
}

const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
};
const tick = () => new Promise((r) => setImmediate(r));

describe('backoffDelayMs', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 10, 100].map((attempt) => backoffDelayMs({ attempt, baseMs: 1000, maxMs: 30_000 }))).toEqual([
      1000, 2000, 4000, 8000, 30_000, 30_000,
    ]);
  });
});

describe('work queue', () => {
  it('runs a key once however often it is added while queued, and once more if added while running', async () => {
    const gate = deferred();
    const runs: string[] = [];
    const q = createWorkQueue({
      concurrency: 1,
      run: async (k) => (runs.push(k), k === 'a' && runs.length === 1 ? gate.promise : undefined),
    });
    q.add('a');
    q.add('b');
    q.add('b');
    q.add('a'); // a is running: it runs once more afterwards
    q.add('a');
    expect(q.running).toEqual(['a']);
    expect(q.queued).toEqual(['b']);
    gate.resolve();
    await q.idle();
    expect(runs).toEqual(['a', 'b', 'a']);
  });

  it('never runs one key twice at once, while other keys run side by side', async () => {
    const gates = new Map<string, ReturnType<typeof deferred>>();
    let concurrentA = 0;
    let maxConcurrentA = 0;
    const q = createWorkQueue({
      concurrency: 3,
      run: async (k) => {
        if (k === 'a') maxConcurrentA = Math.max(maxConcurrentA, ++concurrentA);
        const g = deferred();
        gates.set(k, g);
        await g.promise;
        if (k === 'a') concurrentA--;
      },
    });
    q.add('a');
    q.add('b');
    q.add('c');
    q.add('a');
    expect([...q.running].sort()).toEqual(['a', 'b', 'c']);
    gates.get('a')!.resolve();
    await tick();
    expect([...q.running].sort()).toEqual(['a', 'b', 'c']);
    for (const g of gates.values()) g.resolve();
    await tick();
    for (const g of gates.values()) g.resolve();
    await q.idle();
    expect(maxConcurrentA).toBe(1);
  });

  it('isolates failures: a failing key backs off exponentially without holding up the others, and resets on success', async () => {
    const t = manualTimers();
    const errors: { key: string; attempt: number; retryInMs: number }[] = [];
    let badFails = 3;
    const done: string[] = [];
    const q = createWorkQueue({
      concurrency: 1,
      backoff: { baseMs: 100, maxMs: 1000 },
      timers: t.timers,
      run: async (k) => {
        if (k === 'bad' && badFails-- > 0) throw new Error('manifest broken');
        done.push(k);
      },
      onError: ({ key, attempt, retryInMs }) => errors.push({ key, attempt, retryInMs }),
    });
    q.add('bad');
    q.add('good-1');
    q.add('good-2');
    await q.idle();
    expect(done).toEqual(['good-1', 'good-2']);
    expect(t.delays()).toEqual([100]);
    t.fire();
    await q.idle();
    expect(t.delays()).toEqual([200]);
    t.fire();
    await q.idle();
    expect(q.failures('bad')).toBe(3);
    t.fire();
    await q.idle();
    expect(done).toEqual(['good-1', 'good-2', 'bad']);
    expect(q.failures('bad')).toBe(0);
    expect(errors).toEqual([
      { key: 'bad', attempt: 1, retryInMs: 100 },
      { key: 'bad', attempt: 2, retryInMs: 200 },
      { key: 'bad', attempt: 3, retryInMs: 400 },
    ]);
    expect(t.delays()).toEqual([]);
  });

  it('an explicit add skips a pending backoff (a new push should not wait)', async () => {
    const t = manualTimers();
    let fail = true;
    const runs: string[] = [];
    const q = createWorkQueue({
      concurrency: 1,
      timers: t.timers,
      run: async (k) => {
        runs.push(k);
        if (fail) throw new Error('x');
      },
    });
    q.add('a');
    await q.idle();
    expect(t.delays()).toEqual([1000]);
    fail = false;
    q.add('a');
    await q.idle();
    expect(runs).toEqual(['a', 'a']);
    expect(t.delays()).toEqual([]);
  });

  it('runs a key again when its task asks (requeueAfterMs), keeping the earliest of two requests', async () => {
    const t = manualTimers();
    let n = 0;
    const q = createWorkQueue({
      concurrency: 1,
      timers: t.timers,
      run: async () => (++n === 1 ? { requeueAfterMs: 5000 } : undefined),
    });
    q.add('a');
    await q.idle();
    q.addAfter('a', 9000);
    expect(t.delays()).toEqual([5000]);
    q.addAfter('a', 10);
    expect(t.delays()).toEqual([10]);
    t.fire();
    await q.idle();
    expect(n).toBe(2);
  });

  it('keeps work while paused, and stop() drops what waits and resolves when running work is done', async () => {
    const t = manualTimers();
    const gate = deferred();
    const runs: string[] = [];
    const q = createWorkQueue({
      concurrency: 1,
      paused: true,
      timers: t.timers,
      run: async (k) => {
        runs.push(k);
        if (k === 'a') await gate.promise;
      },
    });
    q.add('a');
    q.add('b');
    q.addAfter('c', 100);
    expect(runs).toEqual([]);
    q.resume();
    expect(runs).toEqual(['a']);
    let stopped = false;
    const s = q.stop().then(() => (stopped = true));
    q.add('d');
    await tick();
    expect(stopped).toBe(false);
    gate.resolve();
    await s;
    expect(runs).toEqual(['a']);
    expect(t.delays()).toEqual([]);
  });
});
