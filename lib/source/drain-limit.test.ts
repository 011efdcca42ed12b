import { describe, expect, it } from 'vitest';
import { drainLimit } from './drain-limit.ts';

const tick = () => new Promise<void>((r) => setImmediate(r));

/** A tree of `fanout` children per node, `levels` deep, as [level, index] items. */
function walk({ fanout, levels, limit, failAt }: { fanout: number; levels: number; limit: number; failAt?: number }) {
  let running = 0;
  let most = 0;
  let steps = 0;
  const done = drainLimit<number>({
    start: [0],
    limit,
    step: async (level) => {
      running++;
      most = Math.max(most, running);
      steps++;
      await tick();
      running--;
      if (failAt !== undefined && steps >= failAt) throw new Error(`failed at step ${steps}`);
      return level + 1 < levels ? Array.from({ length: fanout }, () => level + 1) : [];
    },
  });
  return { done, stats: () => ({ most, steps, running }) };
}

describe('drainLimit', () => {
  it('works every item found, never more than `limit` at once over the whole walk', async () => {
    const w = walk({ fanout: 4, levels: 5, limit: 3 });
    await w.done;
    // 1 + 4 + 16 + 64 + 256 items.
    expect(w.stats()).toEqual({ most: 3, steps: 341, running: 0 });
  });

  it('starts nothing after the first failure, and rethrows it once the steps in flight settle', async () => {
    const w = walk({ fanout: 10, levels: 10, limit: 4, failAt: 20 });
    await expect(w.done).rejects.toThrow(/^failed at step \d+$/);
    const { steps, running } = w.stats();
    expect(running).toBe(0);
    expect(steps).toBeLessThan(20 + 4);
  });

  it('stops when the signal aborts', async () => {
    const ac = new AbortController();
    let steps = 0;
    const done = drainLimit<number>({
      start: [0],
      limit: 2,
      signal: ac.signal,
      step: async (n) => {
        if (++steps === 5) ac.abort(new Error('stop'));
        await tick();
        return [n + 1, n + 1];
      },
    });
    await expect(done).rejects.toThrow('stop');
    expect(steps).toBeLessThan(8);
  });

  it('resolves at once on an empty start', async () => {
    await expect(drainLimit({ start: [], limit: 2, step: async () => [] })).resolves.toBeUndefined();
  });
});
