import { gt } from 'semver';
import { describe, expect, it } from 'vitest';
import { decideNext, type EnvironmentState } from './promotion-policy.ts';

const MIN = 60_000;
const now = 100 * MIN;
const env = (name: string, over: Partial<EnvironmentState> = {}): EnvironmentState => ({
  name,
  promotion: { mode: 'auto', healthyForSeconds: 600 },
  ...over,
});
const decide = (latest: string | undefined, environments: EnvironmentState[], quarantine: string[] = []) =>
  decideNext({
    latest,
    environments,
    isQuarantined: (e, v) => quarantine.includes(`${e}/${v}`),
    newer: gt,
    nowMs: now,
  });

describe('decideNext', () => {
  it.each([
    [
      'nothing cut: nothing to do',
      undefined,
      [env('dev')],
      [],
      { held: [{ environment: 'dev', reason: 'no version cut yet' }] },
    ],
    [
      'a new version goes to the first environment',
      '1.0.1',
      [env('dev', { runs: '1.0.0' })],
      [],
      { action: { kind: 'deploy', environment: 'dev', version: '1.0.1' }, held: [] },
    ],
    [
      'the first deploy of all',
      '1.0.0',
      [env('dev')],
      [],
      { action: { kind: 'deploy', environment: 'dev', version: '1.0.0' }, held: [] },
    ],
    ['already running: nothing', '1.0.1', [env('dev', { runs: '1.0.1' })], [], { held: [] }],
    [
      'quarantined in the first environment: never re-advanced',
      '1.0.1',
      [env('dev', { runs: '1.0.0' })],
      ['dev/1.0.1'],
      { held: [{ environment: 'dev', reason: '1.0.1 is quarantined here (rolled back from it)' }] },
    ],
    [
      'auto: promoted once the previous env has been healthy long enough',
      '1.0.1',
      [env('dev', { runs: '1.0.1', healthySinceMs: now - 11 * MIN }), env('prod', { runs: '1.0.0' })],
      [],
      { action: { kind: 'promote', environment: 'prod', from: 'dev', version: '1.0.1' }, held: [] },
    ],
    [
      'auto: exactly at the boundary it is due',
      '1.0.1',
      [env('dev', { runs: '1.0.1', healthySinceMs: now - 10 * MIN }), env('prod')],
      [],
      { action: { kind: 'promote', environment: 'prod', from: 'dev', version: '1.0.1' }, held: [] },
    ],
    [
      'auto: too early, wake up when due',
      '1.0.1',
      [env('dev', { runs: '1.0.1', healthySinceMs: now - 4 * MIN }), env('prod', { runs: '1.0.0' })],
      [],
      {
        held: [{ environment: 'prod', reason: 'waiting for dev to run 1.0.1 healthy for 600s' }],
        wakeAtMs: now + 6 * MIN,
      },
    ],
    [
      'the first environment is behind: it goes first, later stages are not looked at yet',
      '1.0.1',
      [env('dev'), env('prod', { runs: '1.0.0' })],
      [],
      { action: { kind: 'deploy', environment: 'dev', version: '1.0.1' }, held: [] },
    ],
    [
      'auto: the previous env does not run one version whole (a failed wave): nothing',
      '1.0.1',
      [env('dev'), env('prod', { runs: '1.0.0' })],
      ['dev/1.0.1'],
      {
        held: [
          { environment: 'dev', reason: '1.0.1 is quarantined here (rolled back from it)' },
          { environment: 'prod', reason: 'dev does not run one version whole' },
        ],
      },
    ],
    [
      'auto: quarantined in the target env',
      '1.0.1',
      [env('dev', { runs: '1.0.1', healthySinceMs: 0 }), env('prod', { runs: '1.0.0' })],
      ['prod/1.0.1'],
      { held: [{ environment: 'prod', reason: '1.0.1 is quarantined here (rolled back from it)' }] },
    ],
    [
      'auto: never moves an environment back',
      '1.0.1',
      [env('dev', { runs: '1.0.1', healthySinceMs: 0 }), env('prod', { runs: '1.0.2' })],
      [],
      { held: [{ environment: 'prod', reason: 'dev runs 1.0.1, not newer than 1.0.2' }] },
    ],
    [
      'manual: never promoted automatically, however long healthy',
      '1.0.1',
      [
        env('dev', { runs: '1.0.1', healthySinceMs: 0 }),
        env('prod', { runs: '1.0.0', promotion: { mode: 'manual', healthyForSeconds: 0 } }),
      ],
      [],
      { held: [{ environment: 'prod', reason: 'promotion is manual (dev runs 1.0.1)' }] },
    ],
    [
      'a pipeline: the first due step in order; later stages wait on earlier ones',
      '1.0.2',
      [
        env('dev', { runs: '1.0.2', healthySinceMs: now - 1 * MIN }),
        env('staging', { runs: '1.0.1', healthySinceMs: now - 30 * MIN }),
        env('prod', { runs: '1.0.0' }),
      ],
      [],
      {
        action: { kind: 'promote', environment: 'prod', from: 'staging', version: '1.0.1' },
        held: [{ environment: 'staging', reason: 'waiting for dev to run 1.0.2 healthy for 600s' }],
        wakeAtMs: now + 9 * MIN,
      },
    ],
    [
      'healthyForSeconds 0 promotes immediately',
      '1.0.1',
      [
        env('dev', { runs: '1.0.1', healthySinceMs: now }),
        env('prod', { promotion: { mode: 'auto', healthyForSeconds: 0 } }),
      ],
      [],
      { action: { kind: 'promote', environment: 'prod', from: 'dev', version: '1.0.1' }, held: [] },
    ],
  ])('%s', (_name, latest, environments, quarantine, expected) => {
    expect(decide(latest, environments, quarantine)).toEqual(expected);
  });
});
