import { describe, expect, it } from 'vitest';
import { createReplayGuard, REPLAY_WINDOW_MS } from './webhook-replay.ts';

const body = Buffer.from('{"ref":"refs/heads/main","after":"abc"}');

describe('createReplayGuard', () => {
  it('refuses the same signed bytes within the window and takes them again after it', () => {
    const guard = createReplayGuard();
    expect(guard.check({ provider: 'github', signed: [body], nowMs: 0 })).toBe('fresh');
    expect(guard.check({ provider: 'github', signed: [body], nowMs: REPLAY_WINDOW_MS - 1 })).toBe('replayed');
    expect(guard.check({ provider: 'github', signed: [body], nowMs: 2 * REPLAY_WINDOW_MS })).toBe('fresh');
  });

  it('tells providers, timestamps and bodies apart', () => {
    const guard = createReplayGuard();
    expect(guard.check({ provider: 'github', signed: [body], nowMs: 0 })).toBe('fresh');
    expect(guard.check({ provider: 'gitlab', signed: [body], nowMs: 0 })).toBe('fresh');
    expect(guard.check({ provider: 'generic', signed: ['100', body], nowMs: 0 })).toBe('fresh');
    expect(guard.check({ provider: 'generic', signed: ['101', body], nowMs: 0 })).toBe('fresh');
    expect(guard.check({ provider: 'github', signed: [Buffer.from('{}')], nowMs: 0 })).toBe('fresh');
    expect(guard.check({ provider: 'generic', signed: ['100', body], nowMs: 1 })).toBe('replayed');
  });

  it('stays bounded: past maxEntries the oldest deliveries are forgotten first', () => {
    const guard = createReplayGuard({ maxEntries: 3 });
    for (const n of [1, 2, 3, 4])
      expect(guard.check({ provider: 'github', signed: [`b${n}`], nowMs: n })).toBe('fresh');
    expect(guard.check({ provider: 'github', signed: ['b4'], nowMs: 5 })).toBe('replayed');
    expect(guard.check({ provider: 'github', signed: ['b1'], nowMs: 6 })).toBe('fresh');
  });
});
