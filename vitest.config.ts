// Two projects: `unit` (pure logic, no processes) and `integration` (real Git
// server, registry and Kubernetes control planes, started once by the global
// setup and shared; each test takes its own namespace or repository).
import { defineConfig } from 'vitest/config';
import { SlowFilesFirst } from './fixtures/testenv/slow-files-first.ts';

export default defineConfig({
  test: {
    teardownTimeout: 120_000,
    // A fresh clone has no timings cached: start the slowest integration files first.
    sequence: { sequencer: SlowFilesFirst },
    projects: [
      {
        test: {
          name: 'unit',
          // Unit files share one module graph per worker: they hold no global state between files, and
          // isolating each file cost ~130 s of imports on 2 cores (32 s without).
          isolate: false,
          include: [
            'lib/**/*.test.ts',
            'cmd/**/*.test.ts',
            'http/**/*.test.ts',
            'fixtures/**/*.test.ts',
            'eslint/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ['node_modules/**'],
          globalSetup: ['fixtures/testenv/global-setup.ts'],
          // Integration files mostly wait on controllers and rollouts, not on this process: run three at once.
          maxWorkers: 3,
          // Projects with different worker counts run as separate groups: unit first, then integration.
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
