import { describe, expect, it } from 'vitest';
import { mapLimit, settleLimit } from './map-limit.ts';

/** A task that waits for the test to let it finish, so how many run at once is seen, not timed. */
function gated() {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const release: (() => void)[] = [];
  const task = (n: number) =>
    new Promise<number>((resolve, reject) => {
      running++;
      most = Math.max(most, running);
      started.push(n);
      release.push(() => {
        running--;
        if (n < 0) reject(new Error(`failed ${n}`));
        else resolve(n * 10);
      });
    });
  const drain = async () => {
    while (release.length > 0) {
      release.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { task, drain, started, most: () => most };
}

describe('mapLimit', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    const g = gated();
    const done = mapLimit([1, 2, 3, 4, 5], 2, g.task);
    await g.drain();
    expect(await done).toEqual([10, 20, 30, 40, 50]);
    expect(g.most()).toBe(2);
  });

  it('starts nothing after the first failure and rethrows it once the rest in flight settle', async () => {
    const g = gated();
    const done = mapLimit([1, -2, 3, 4], 2, g.task);
    const outcome = done.catch((err: Error) => err.message);
    await g.drain();
    expect(await outcome).toBe('failed -2');
    expect(g.started).toEqual([1, -2, 3]);
  });

  it('gives [] for no items', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});

describe('settleLimit', () => {
  it('gives every item its outcome, failures included', async () => {
    const g = gated();
    const done = settleLimit([1, -2, 3], 1, g.task);
    await g.drain();
    expect(await done).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: new Error('failed -2') },
      { status: 'fulfilled', value: 30 },
    ]);
    expect(g.most()).toBe(1);
  });
});
