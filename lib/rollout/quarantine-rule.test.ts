import { gt } from 'semver';
import { describe, expect, it } from 'vitest';
import type { ClusterOutcome } from '../release/fanout.ts';
import type { RolloutPlan } from './plan.ts';
import { quarantineAfter } from './quarantine-rule.ts';

const plan = (p: Partial<RolloutPlan>): RolloutPlan =>
  ({ bundle: 'web', environment: 'prod', version: '1.0.2', reason: 'deploy', automated: false, ...p }) as RolloutPlan;
const failed: ClusterOutcome[] = [{ cluster: 'c2', wave: 1, state: 'rolled-back', reason: 'CrashLoopBackOff' }];
const healthy: ClusterOutcome[] = [{ cluster: 'c2', wave: 1, state: 'succeeded' }];
const unreachable: ClusterOutcome[] = [{ cluster: 'c2', wave: 1, state: 'error', message: 'connect ECONNREFUSED' }];

describe('quarantineAfter', () => {
  it.each([
    ['a person deploys a failing version: not second-guessed', plan({}), 'rolled-back', failed, []],
    [
      "the loop's own promotion fails",
      plan({ reason: 'promote', automated: true }),
      'rolled-back',
      failed,
      [{ version: '1.0.2', reason: 'automatic promote failed and was rolled back: c2: CrashLoopBackOff' }],
    ],
    [
      'a tag moved outside Drover, followed, fails',
      plan({ reason: 'follow', automated: true }),
      'rolled-back',
      failed,
      [
        {
          version: '1.0.2',
          reason:
            'the prod tag was moved to it outside Drover; the rollout failed and was rolled back: c2: CrashLoopBackOff',
        },
      ],
    ],
    [
      'an automated deploy that could not run: nothing to blame on it',
      plan({ automated: true }),
      'not-run',
      unreachable,
      [],
    ],
    [
      'a rollback, healthy: the version left',
      plan({
        reason: 'rollback',
        version: '1.0.1',
        channel: { mode: 'move', tag: 'prod', to: 'sha256:1', namesVersion: '1.0.2' },
      }),
      'healthy',
      healthy,
      [{ version: '1.0.2', reason: 'rolled back to 1.0.1' }],
    ],
    [
      'a tag moved back outside Drover, followed healthy: the newer version left',
      plan({
        reason: 'follow',
        version: '1.0.1',
        runs: { version: '1.0.2', digest: 'sha256:2' },
        channel: { mode: 'move', tag: 'prod', to: 'sha256:1' },
      }),
      'healthy',
      healthy,
      [{ version: '1.0.2', reason: 'the prod tag was moved back to 1.0.1 outside Drover' }],
    ],
    [
      'a tag moved forward outside Drover, followed healthy: nothing',
      plan({
        reason: 'follow',
        runs: { version: '1.0.1', digest: 'sha256:1' },
        channel: { mode: 'move', tag: 'prod', to: 'sha256:2' },
      }),
      'healthy',
      healthy,
      [],
    ],
    [
      'a deploy to one cluster: no environment to quarantine in',
      plan({ environment: undefined, automated: true }),
      'rolled-back',
      failed,
      [],
    ],
  ] as const)('%s', (_what, p, outcome, clusters, expected) => {
    expect(quarantineAfter({ plan: p, outcome, clusters, newer: gt })).toEqual(expected);
  });
});
