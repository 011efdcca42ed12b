import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../schedule/work-queue.ts';
import { HEAL_RETRY_BACKOFF } from './drift-monitor.ts';

describe("heal retry backoff (the work queue's, with HEAL_RETRY_BACKOFF)", () => {
  it.each([
    [1, 5000],
    [2, 10_000],
    [4, 40_000],
    [7, 300_000],
    [30, 300_000],
  ])('after %i failed heals waits %i ms', (failures, ms) => {
    expect(backoffDelayMs({ attempt: failures, ...HEAL_RETRY_BACKOFF })).toBe(ms);
  });
});
