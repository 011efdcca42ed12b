import { describe, expect, it } from 'vitest';
import { pollDelayMs } from './poll-delay.ts';

describe('pollDelayMs', () => {
  it.each([
    [0, {}, 100],
    [1, {}, 200],
    [2, {}, 400],
    [3, {}, 800],
    [4, {}, 1000],
    [50, {}, 1000],
    [-1, {}, 100],
    [0, { firstMs: 250, maxMs: 2000 }, 250],
    [3, { firstMs: 250, maxMs: 2000 }, 2000],
    [2, { firstMs: 5000, maxMs: 1000 }, 1000],
  ])('attempt %i with %o waits %i ms', (attempt, opts, want) => {
    expect(pollDelayMs(attempt, opts)).toBe(want);
  });
});
