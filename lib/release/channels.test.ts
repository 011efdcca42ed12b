import { gt } from 'semver';
import { describe, expect, it } from 'vitest';
import type { ReleaseRecord } from '../state/releases.ts';
import { releaseRecord as rel } from '../state/testdata/journal.ts';
import { channelSync, previousGoodVersion } from './channels.ts';

describe('previousGoodVersion', () => {
  const history = [
    rel('c1', '1.2.0', 'succeeded'),
    rel('c1', '1.1.0', 'succeeded'),
    rel('c1', '1.1.0', 'succeeded'),
    rel('c1', '1.0.0', 'succeeded'),
  ];
  it('picks the newest older version that succeeded', () => {
    expect(previousGoodVersion('1.2.0', history, gt)).toEqual({ version: '1.1.0', digest: 'sha256:1.1.0' });
    expect(previousGoodVersion('1.1.0', history, gt).version).toBe('1.0.0');
  });
  it('says so when there is none', () => {
    expect(() => previousGoodVersion('1.0.0', history, gt)).toThrow(
      /no earlier version has succeeded here before 1.0.0/,
    );
  });
});

describe('channelSync', () => {
  const done = (
    cluster: string,
    version: string,
    state: ReleaseRecord['state'],
    more: Partial<ReleaseRecord> = {},
  ) => ({ cluster, release: { ...rel(cluster, version, state), finishedAt: 'x', ...more } });
  const v = (version: string) => `sha256:${version}`;
  it.each([
    ['no tag', { tag: undefined, mark: undefined, clusters: [done('c2', '1.0.1', 'succeeded')] }, { kind: 'no-tag' }],
    [
      'every cluster runs the tag',
      {
        tag: v('1.0.1'),
        mark: undefined,
        clusters: [done('c2', '1.0.1', 'succeeded'), done('c3', '1.0.1', 'succeeded')],
      },
      { kind: 'in-sync' },
    ],
    [
      'a cluster restored to the tag after a failed release',
      {
        tag: v('1.0.1'),
        mark: v('1.0.1'),
        clusters: [
          done('c2', '1.0.1', 'succeeded'),
          done('c3', '1.0.2', 'rolled-back', { fromVersion: '1.0.1', fromDigest: v('1.0.1') }),
        ],
      },
      { kind: 'in-sync' },
    ],
    [
      'tag moved back by someone else',
      {
        tag: v('1.0.0'),
        mark: v('1.0.1'),
        clusters: [done('c2', '1.0.1', 'succeeded'), done('c3', '1.0.1', 'succeeded')],
      },
      { kind: 'moved', outOfSync: ['c2', 'c3'] },
    ],
    [
      'tag never marked (state lost, or moved before any mark)',
      { tag: v('1.0.0'), mark: undefined, clusters: [done('c2', '1.0.1', 'succeeded')] },
      { kind: 'moved', outOfSync: ['c2'] },
    ],
    [
      'a cluster never released (added to the environment)',
      { tag: v('1.0.1'), mark: undefined, clusters: [done('c2', '1.0.1', 'succeeded'), { cluster: 'c3' }] },
      { kind: 'moved', outOfSync: ['c3'] },
    ],
    [
      'a release in flight',
      {
        tag: v('1.0.2'),
        mark: v('1.0.2'),
        clusters: [done('c2', '1.0.2', 'succeeded'), { cluster: 'c3', release: rel('c3', '1.0.2', 'applying') }],
      },
      { kind: 'in-flight', outOfSync: ['c3'] },
    ],
    [
      'a failed wave kept on the new version (onFailure: keep), tag put back',
      {
        tag: v('1.0.1'),
        mark: v('1.0.1'),
        clusters: [
          done('c2', '1.0.2', 'succeeded'),
          done('c3', '1.0.2', 'rolled-back', { fromVersion: '1.0.1', fromDigest: v('1.0.1') }),
        ],
      },
      { kind: 'known', outOfSync: ['c2'] },
    ],
    [
      'a deploy to one cluster by hand',
      {
        tag: v('1.0.1'),
        mark: v('1.0.1'),
        clusters: [done('c2', '1.0.1', 'succeeded'), done('c3', '1.0.3', 'succeeded')],
      },
      { kind: 'known', outOfSync: ['c3'] },
    ],
    [
      'retired clusters',
      {
        tag: v('1.0.1'),
        mark: undefined,
        clusters: [
          done('c2', '1.0.1', 'succeeded', { kind: 'retire' }),
          done('c3', '1.0.1', 'succeeded', { kind: 'retire' }),
        ],
      },
      { kind: 'retired', outOfSync: ['c2', 'c3'] },
    ],
    [
      'a rollback that failed, tag on the failed version',
      { tag: v('1.0.2'), mark: v('1.0.2'), clusters: [done('c2', '1.0.2', 'rollback-failed')] },
      { kind: 'known', outOfSync: ['c2'] },
    ],
  ])('%s', (_name, args, expected) => {
    expect(channelSync(args)).toEqual(expected);
  });
});
