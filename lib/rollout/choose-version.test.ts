import { gt } from 'semver';
import { describe, expect, it } from 'vitest';
import type { EnvironmentRun } from '../release/environment-run.ts';
import type { ReleaseRecord } from '../state/releases.ts';
import { chooseVersion } from './choose-version.ts';
import type { RolloutRequest } from './plan.ts';

const runs = (byEnv: Record<string, Partial<EnvironmentRun>>) => (env: string) =>
  ({ notHealthy: [], clusters: [], ...byEnv[env] }) as EnvironmentRun;
const succeeded = (version: string): ReleaseRecord => ({ version, digest: `sha256:${version}` }) as ReleaseRecord;
const choose = (request: Partial<RolloutRequest>, more: Partial<Parameters<typeof chooseVersion>[0]> = {}) =>
  chooseVersion({
    request: { bundle: 'web', reason: 'promote', environment: 'prod', ...request },
    environments: ['dev', 'prod'],
    runOf: runs({ dev: { runs: '1.0.2' } }),
    isQuarantined: () => false,
    newer: gt,
    ...more,
  });

describe('chooseVersion', () => {
  it('takes a named version as it is', () => {
    expect(choose({ version: '1.0.0' })).toEqual({ reference: '1.0.0' });
    expect(choose({ reason: 'deploy', version: 'sha256:abc' })).toEqual({ reference: 'sha256:abc' });
  });

  it('promotes what the previous environment runs whole', () => {
    expect(choose({})).toEqual({ reference: '1.0.2' });
  });

  it('refuses when the previous environment runs no one version, naming the clusters not healthy', () => {
    expect(choose({}, { runOf: runs({ dev: { notHealthy: ['c1'] } }) })).toEqual({
      refusal: {
        reason: 'NotHealthyInPrevious',
        message: 'web is not healthy on one version in dev (not healthy: c1)',
        data: { environment: 'dev', notHealthy: ['c1'] },
      },
    });
  });

  it('refuses a version rolled back from the target, unless it is named', () => {
    const isQuarantined = (env: string, v: string) => env === 'prod' && v === '1.0.2';
    expect(choose({}, { isQuarantined })).toMatchObject({ refusal: { reason: 'Quarantined' } });
    expect(choose({ version: '1.0.2' }, { isQuarantined })).toEqual({ reference: '1.0.2' });
  });

  it('a promotion into the first environment, or a deploy without a version, cannot be asked', () => {
    expect(() => choose({ environment: 'dev' })).toThrow(/dev is the first environment: name a version/);
    expect(() => choose({ reason: 'deploy' })).toThrow(/deploy needs a version/);
  });

  it('rolls back to the newest earlier version that succeeded there', () => {
    expect(
      choose(
        { reason: 'rollback' },
        { current: '1.0.2', succeeded: [succeeded('1.0.2'), succeeded('1.0.1'), succeeded('1.0.0')] },
      ),
    ).toEqual({ reference: '1.0.1' });
    expect(() => choose({ reason: 'rollback' }, { current: '1.0.0', succeeded: [succeeded('1.0.0')] })).toThrow(
      /no earlier version has succeeded here before 1.0.0/,
    );
  });
});
