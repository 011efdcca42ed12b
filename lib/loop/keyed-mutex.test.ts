import { describe, expect, it } from 'vitest';
import { createKeyedMutex } from './keyed-mutex.ts';

describe('keyed mutex', () => {
  it('serializes one key in order, keeps keys independent, and survives a failing holder', async () => {
    const m = createKeyedMutex();
    const log: string[] = [];
    let release!: () => void;
    const first = m.run('bundle:web', () => new Promise<void>((r) => (release = r)).then(() => void log.push('web-1')));
    const second = m.run('bundle:web', async () => void log.push('web-2'));
    const failing = m.run('bundle:web', async () => {
      throw new Error('boom');
    });
    const after = m.run('bundle:web', async () => 'web-4');
    await m.run('bundle:api', async () => void log.push('api'));
    expect(log).toEqual(['api']);
    await new Promise((r) => setImmediate(r));
    expect(m.busy).toEqual(['bundle:web']);
    release();
    await first;
    await second;
    await expect(failing).rejects.toThrow('boom');
    expect(await after).toBe('web-4');
    expect(log).toEqual(['api', 'web-1', 'web-2']);
    await new Promise((r) => setImmediate(r));
    expect(m.busy).toEqual([]);
  });
});
