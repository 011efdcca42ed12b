import { gt } from 'semver';
import { describe, expect, it } from 'vitest';
import type { ReleaseRecord } from '../state/releases.ts';
import { environmentRun, previousGoodVersion } from './channels.ts';

const rel = (cluster: string, version: string, state: ReleaseRecord['state']): ReleaseRecord => ({
  id: 0,
  kind: 'release',
  bundle: 'web',
  cluster,
  environment: 'prod',
  version,
  digest: `sha256:${version}`,
  fromVersion: null,
  fromDigest: null,
  state,
  reason: null,
  failedObject: null,
  startedAt: '',
  updatedAt: '',
  finishedAt: null,
});

describe('environmentRun', () => {
  it.each([
    ['all clusters succeeded on one version', { c1: rel('c1', '1.0.1', 'succeeded'), c2: rel('c2', '1.0.1', 'succeeded') }, { version: '1.0.1', digest: 'sha256:1.0.1', notHealthy: [] }],
    ['versions disagree', { c1: rel('c1', '1.0.1', 'succeeded'), c2: rel('c2', '1.0.0', 'succeeded') }, { notHealthy: [] }],
    ['one cluster rolled back from 1.0.2 to 1.0.1', { c1: rel('c1', '1.0.1', 'succeeded'), c2: { ...rel('c2', '1.0.2', 'rolled-back'), fromVersion: '1.0.1', fromDigest: 'sha256:1.0.1' } }, { version: '1.0.1', digest: 'sha256:1.0.1', notHealthy: [] }],
    ['one cluster rolled back to another version', { c1: rel('c1', '1.0.1', 'succeeded'), c2: { ...rel('c2', '1.0.2', 'rolled-back'), fromVersion: '1.0.0', fromDigest: 'sha256:1.0.0' } }, { notHealthy: [] }],
    ['one cluster failed its rollback', { c1: rel('c1', '1.0.1', 'succeeded'), c2: { ...rel('c2', '1.0.2', 'rollback-failed'), fromVersion: '1.0.1', fromDigest: 'sha256:1.0.1' } }, { notHealthy: ['c2'] }],
    ['one cluster mid-release', { c1: rel('c1', '1.0.1', 'succeeded'), c2: rel('c2', '1.0.2', 'verifying') }, { notHealthy: ['c2'] }],
    ['one cluster never released', { c1: rel('c1', '1.0.1', 'succeeded') }, { notHealthy: ['c2'] }],
  ])('%s', (_n, last, expected) => {
    expect(environmentRun(['c1', 'c2'], (c) => (last as Record<string, ReleaseRecord>)[c])).toEqual(expected);
  });
});

describe('previousGoodVersion', () => {
  const history = [rel('c1', '1.2.0', 'succeeded'), rel('c1', '1.1.0', 'succeeded'), rel('c1', '1.1.0', 'succeeded'), rel('c1', '1.0.0', 'succeeded')];
  it('picks the newest older version that succeeded', () => {
    expect(previousGoodVersion('1.2.0', history, gt)).toEqual({ version: '1.1.0', digest: 'sha256:1.1.0' });
    expect(previousGoodVersion('1.1.0', history, gt).version).toBe('1.0.0');
  });
  it('says so when there is none', () => {
    expect(() => previousGoodVersion('1.0.0', history, gt)).toThrow(/no earlier version has succeeded here before 1.0.0/);
  });
});
