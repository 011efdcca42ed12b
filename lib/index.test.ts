// The public API's surface: exactly these names, each verb a function. A new
// verb is added here on purpose; anything else of lib/ stays internal.
import { describe, expect, it } from 'vitest';
import * as api from './index.ts';

const VERBS = [
  'bundle',
  'bundles',
  'cut',
  'deploy',
  'diff',
  'diffCluster',
  'discover',
  'drift',
  'driftFindings',
  'driftHeals',
  'driftJournal',
  'environments',
  'events',
  'history',
  'init',
  'keysGenerate',
  'keysSign',
  'lint',
  'openWorkspace',
  'overview',
  'planRetire',
  'plan',
  'promote',
  'quarantine',
  'rebuildInventory',
  'recover',
  'registryProblem',
  'release',
  'releases',
  'retire',
  'rollback',
  'rollout',
  'runAgent',
  'runDaemon',
  'show',
  'sources',
  'status',
  'verify',
  'versions',
];
const OTHERS = [
  'LOG_LEVELS',
  'ConflictError',
  'DriftFoundError',
  'DroverError',
  'ExitCode',
  'InvalidInputError',
  'NotFoundError',
  'outcomeError',
  'ReleaseFailedError',
  'RollbackFailedError',
  'RolloutRefusedError',
  'SignatureRefusedError',
  'UnavailableError',
  'UsageError',
  'VersionTagMovedError',
  // The push receivers, named once for the daemon's secrets and the HTTP routes.
  'WEBHOOK_PROVIDERS',
  'formatRef',
  'parseBundleRef',
  'toDroverError',
];

describe('lib/index.ts', () => {
  it('exports the verbs and a few light helpers, nothing else', () => {
    expect(Object.keys(api).sort()).toEqual([...VERBS, ...OTHERS].sort());
  });

  it('every verb is an async function that loads its module when called', () => {
    for (const name of VERBS) {
      const f = (api as Record<string, unknown>)[name];
      expect(typeof f, name).toBe('function');
      expect((f as () => unknown).constructor.name, name).toBe('AsyncFunction');
    }
  });

  it('a verb delegates to its module: versions of an unknown bundle on an empty state', async () => {
    const ws = { db: (await import('./state/open.ts')).openState({ path: ':memory:' }) } as unknown as api.Workspace;
    expect(await api.versions({ ws, bundle: 'nope' })).toEqual([]);
    await expect(api.versions({ ws, bundle: 'nope', known: true })).rejects.toThrow(api.NotFoundError);
  });
});
