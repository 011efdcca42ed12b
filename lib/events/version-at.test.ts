import { describe, expect, it } from 'vitest';
import { type ReleaseSpan, versionAt } from './version-at.ts';

// The journal of the acceptance story: 1.0.0 released, 1.0.2 failed and was rolled back to 1.0.0, then 1.0.3 succeeded.
const journal: ReleaseSpan[] = [
  {
    version: '1.0.2',
    fromVersion: '1.0.0',
    state: 'rolled-back',
    startedAt: '2026-11-25T10:21:56.900Z',
    finishedAt: '2026-11-25T10:22:10.000Z',
  },
  {
    version: '1.0.0',
    fromVersion: null,
    state: 'succeeded',
    startedAt: '2026-11-25T10:21:30.000Z',
    finishedAt: '2026-11-25T10:21:40.000Z',
  },
  {
    version: '1.0.3',
    fromVersion: '1.0.0',
    state: 'succeeded',
    startedAt: '2026-11-25T10:30:00.000Z',
    finishedAt: '2026-11-25T10:30:05.000Z',
  },
];

describe('versionAt', () => {
  it.each([
    ['before any release: nothing ran', '2026-11-25T10:21:00Z', null],
    ['during the first release', '2026-11-25T10:21:35.5Z', '1.0.0'],
    ['after it succeeded', '2026-11-25T10:21:50Z', '1.0.0'],
    ['a whole second that holds the next release start belongs to that release', '2026-11-25T10:21:56Z', '1.0.2'],
    ['during the failing release, its Pods backing off', '2026-11-25T10:21:58Z', '1.0.2'],
    ['during its rollback, still that release', '2026-11-25T10:22:09.999Z', '1.0.2'],
    ['after the rollback, the version it restored', '2026-11-25T10:25:00Z', '1.0.0'],
    ['after the next success', '2026-11-25T11:00:00Z', '1.0.3'],
  ])('%s', (_name, at, want) => expect(versionAt({ releases: journal, at })).toBe(want));

  it('with no journal, what the inventory says runs', () => {
    expect(versionAt({ releases: [], at: '2026-11-25T10:21:58Z', fallback: '2.0.0' })).toBe('2.0.0');
  });

  it('a release in flight with no end yet owns everything after its start', () => {
    expect(
      versionAt({
        releases: [
          {
            version: '3.0.0',
            fromVersion: '2.0.0',
            state: 'verifying',
            startedAt: '2026-11-25T10:00:00Z',
            finishedAt: null,
          },
        ],
        at: '2026-11-25T12:00:00Z',
      }),
    ).toBe('3.0.0');
  });

  it.each([
    ['its failure Event, stamped in the same whole second', '2026-12-01T18:56:40Z', '1.0.2'],
    ['an Event with a finer time after the rollback finished', '2026-12-01T18:56:40.700Z', '1.0.0'],
    ['an Event of the next second', '2026-12-01T18:56:41Z', '1.0.0'],
  ])('a release that fails and is rolled back within one second: %s', (_name, at, want) => {
    const quick: ReleaseSpan[] = [
      {
        version: '1.0.0',
        fromVersion: null,
        state: 'succeeded',
        startedAt: '2026-12-01T18:56:30.100Z',
        finishedAt: '2026-12-01T18:56:32.000Z',
      },
      {
        version: '1.0.2',
        fromVersion: '1.0.0',
        state: 'rolled-back',
        startedAt: '2026-12-01T18:56:40.293Z',
        finishedAt: '2026-12-01T18:56:40.594Z',
      },
    ];
    expect(versionAt({ releases: quick, at })).toBe(want);
  });

  it('a failed rollback leaves the failed version in place', () => {
    expect(
      versionAt({
        releases: [
          {
            version: '3.0.0',
            fromVersion: '2.0.0',
            state: 'rollback-failed',
            startedAt: '2026-11-25T10:00:00Z',
            finishedAt: '2026-11-25T10:01:00Z',
          },
        ],
        at: '2026-11-25T12:00:00Z',
      }),
    ).toBe('3.0.0');
  });
});
