import { describe, expect, it } from 'vitest';
import { singleFlight } from './single-flight.ts';

describe('singleFlight', () => {
  it('joins calls made while a run is in flight, and starts a new run once it settles', async () => {
    let starts = 0;
    let release!: (v: number) => void;
    const round = singleFlight(() => {
      starts++;
      return new Promise<number>((resolve) => (release = resolve));
    });
    const a = round();
    const b = round();
    const c = round();
    expect(starts).toBe(1);
    expect(round.running).toBe(true);
    expect(round.joined).toBe(2);
    release(7);
    expect(await Promise.all([a, b, c])).toEqual([7, 7, 7]);
    expect(round.running).toBe(false);
    const d = round();
    expect(starts).toBe(2);
    release(8);
    expect(await d).toBe(8);
  });

  it('a run that throws or rejects frees the next call', async () => {
    let n = 0;
    const round = singleFlight(async () => {
      n++;
      if (n === 1) throw new Error('registry down');
      return n;
    });
    await expect(round()).rejects.toThrow('registry down');
    expect(round.running).toBe(false);
    expect(await round()).toBe(2);
  });
});
