import { describe, expect, it } from 'vitest';
import { healRetryDelayMs } from './drift.ts';

describe('healRetryDelayMs', () => {
  it.each([
    [1, 5000],
    [2, 10_000],
    [4, 40_000],
    [7, 300_000],
    [30, 300_000],
  ])('after %i failed heals waits %i ms', (failures, ms) => {
    expect(healRetryDelayMs(failures)).toBe(ms);
  });
});
