import { describe, expect, it } from 'vitest';
import type { ClusterOutcome } from '../release/fanout.ts';
import { failuresOf, judgeOutcome, outcomeError, type RolloutResult } from './outcome.ts';
import type { RolloutPlan } from './plan.ts';

const c = (cluster: string, state: ClusterOutcome['state'], more: Partial<ClusterOutcome> = {}): ClusterOutcome => ({
  cluster,
  wave: 1,
  state,
  ...more,
});
const refusedOn = (cluster: string) =>
  c(cluster, 'rolled-back', { refused: true, reason: 'ForeignObject', message: 'ConfigMap/shop/x exists' });

describe('judgeOutcome', () => {
  it.each([
    ['every cluster healthy', [c('c2', 'succeeded'), c('c3', 'succeeded')], undefined, 'healthy'],
    ['no cluster at all', [], undefined, 'healthy'],
    [
      'refused on the first cluster, nothing else touched',
      [refusedOn('c2'), c('c3', 'not-started')],
      undefined,
      'refused',
    ],
    [
      'refused on the second wave after the first took it and was reverted',
      [c('c2', 'reverted'), refusedOn('c3')],
      undefined,
      'rolled-back',
    ],
    ['a cluster unreachable, nothing else touched', [c('c2', 'error'), c('c3', 'not-started')], undefined, 'not-run'],
    [
      'a cluster unreachable after another took it and was reverted',
      [c('c2', 'reverted'), c('c3', 'error')],
      undefined,
      'not-run',
    ],
    [
      'the version failed and was rolled back',
      [c('c2', 'rolled-back'), c('c3', 'not-started')],
      undefined,
      'rolled-back',
    ],
    [
      'onFailure: keep leaves the first wave on it',
      [c('c2', 'succeeded'), c('c3', 'rolled-back')],
      undefined,
      'rolled-back',
    ],
    ['its rollback failed', [c('c2', 'rollback-failed')], undefined, 'needs-person'],
    ['a revert failed', [c('c2', 'revert-failed'), c('c3', 'rolled-back')], undefined, 'needs-person'],
    [
      'rolled back, but the tag could not be put back',
      [c('c2', 'rolled-back')],
      { tag: 'prod', to: 'sha256:b', moved: true, restored: false, restoreError: 'registry unreachable' },
      'needs-person',
    ],
  ] as const)('%s: %s', (_what, clusters, channel, expected) => {
    expect(judgeOutcome({ clusters, channel })).toBe(expected);
  });

  it('a plan refusal is refused whatever the clusters say', () => {
    expect(judgeOutcome({ clusters: [], refusal: { reason: 'Stale', message: 'stale', data: {} } })).toBe('refused');
  });
});

describe('failuresOf', () => {
  it('lists each cluster that did not end on the version, with its object and reason, and a tag left wrong', () => {
    expect(
      failuresOf({
        clusters: [
          c('c1', 'succeeded'),
          c('c2', 'rolled-back', { failedObject: 'Deployment/shop/web', reason: 'CrashLoopBackOff' }),
          c('c3', 'not-started'),
          c('c4', 'error', { message: 'c4: connect ECONNREFUSED' }),
          refusedOn('c5'),
        ],
        channel: { tag: 'prod', to: 'sha256:b', moved: true, restored: false, restoreError: 'registry unreachable' },
      }),
    ).toEqual([
      {
        cluster: 'c2',
        object: 'Deployment/shop/web',
        error: { code: 'E_RELEASE_FAILED', message: 'CrashLoopBackOff', reason: 'CrashLoopBackOff' },
      },
      { cluster: 'c4', error: { code: 'E_UNAVAILABLE', message: 'c4: connect ECONNREFUSED' } },
      {
        cluster: 'c5',
        error: { code: 'E_CONFLICT', message: 'ConfigMap/shop/x exists', reason: 'ForeignObject' },
      },
      { error: { code: 'E_UNAVAILABLE', message: 'the prod tag: registry unreachable' } },
    ]);
  });
});

describe('outcomeError: the one mapping to the exit code and the API status', () => {
  const result = (outcome: RolloutResult['outcome'], plan: Partial<RolloutPlan> = {}) => ({
    outcome,
    bundle: 'web',
    version: '1.0.2',
    environment: 'prod',
    failures: [{ cluster: 'c2', error: { code: 'E_RELEASE_FAILED', message: 'boom', reason: 'CrashLoopBackOff' } }],
    plan: plan as RolloutPlan,
  });

  it.each([
    ['refused', 'E_CONFLICT', 5, 409],
    ['not-run', 'E_UNAVAILABLE', 6, 503],
    ['rolled-back', 'E_RELEASE_FAILED', 7, 422],
    ['needs-person', 'E_ROLLBACK_FAILED', 8, 500],
  ] as const)('%s: %s, exit %i, HTTP %i, the failures in data', (outcome, code, exitCode, httpStatus) => {
    const e = outcomeError(result(outcome))!;
    expect({ code: e.code, exitCode: e.exitCode, httpStatus: e.httpStatus }).toEqual({ code, exitCode, httpStatus });
    expect(e.data).toMatchObject({ outcome, failures: [expect.objectContaining({ cluster: 'c2' })] });
  });

  it('healthy is no error', () => {
    expect(outcomeError(result('healthy'))).toBeUndefined();
  });

  it("a plan's refusal speaks with its own message and data", () => {
    const e = outcomeError(
      result('refused', {
        refusal: { reason: 'VersionTagMoved', message: 'web@1.0.1: the tag moved', data: { recorded: 'sha256:a' } },
      }),
    )!;
    expect(e.message).toBe('web@1.0.1: the tag moved');
    expect(e.data).toMatchObject({ reason: 'VersionTagMoved', recorded: 'sha256:a', outcome: 'refused' });
  });
});
