import { describe, expect, it } from 'vitest';
import type { Workspace } from '../workspace/workspace.ts';
import { createDependencyTracker } from './dependencies.ts';
import { createLogger } from './log.ts';
import { startProbes } from './probes.ts';
import { createServeMetrics } from './serve-metrics.ts';

describe('startProbes', () => {
  it('logs a probe that throws, and goes on (a throw in a timer would end the process)', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => void lines.push(l) });
    const metrics = createServeMetrics();
    const deps = createDependencyTracker({ metrics, log, registry: 'oci-layout:///tmp/none' });
    // A workspace whose stores throw when read, as a closed one might.
    const ws = {
      get stores(): never {
        throw new Error('stores are closed');
      },
    } as unknown as Workspace;
    let probes: { stop(): void } | undefined;
    expect(() => (probes = startProbes({ ws, deps, log }))).not.toThrow();
    probes!.stop();
    expect(lines.some((l) => l.includes('dependency probe failed: stores are closed'))).toBe(true);
  });
});
