import { describe, expect, it } from 'vitest';
import { type ChannelView, clusterSync } from './channel-status.ts';

const view = (over: Partial<ChannelView> = {}): ChannelView => ({
  environment: 'prod',
  tag: 'prod',
  digest: 'sha256:aaa',
  version: '1.0.1',
  sync: 'in-sync',
  problem: null,
  ...over,
});
const ok = { version: '1.0.1', state: 'succeeded' as const, reason: null };

describe('clusterSync', () => {
  it.each([
    [
      'runs what the tag names',
      view(),
      { running: '1.0.1', last: ok, pending: null },
      { sync: 'in-sync', reason: null },
    ],
    [
      'a digest not cut here that claims the version that runs',
      view({
        digest: 'sha256:fff',
        sync: 'moved',
        problem: 'refused (NotCutHere): web@1.0.1 (sha256:fff) is not a version this hub cut',
      }),
      { running: '1.0.1', last: ok, pending: null },
      {
        sync: 'out-of-sync',
        reason: 'the tag names 1.0.1: refused (NotCutHere): web@1.0.1 (sha256:fff) is not a version this hub cut',
      },
    ],
    [
      'no tag',
      view({ digest: null, version: null, sync: 'no-tag' }),
      { running: '1.0.1', last: ok, pending: null },
      { sync: null, reason: null },
    ],
    [
      'registry unreachable',
      view({ digest: null, version: null, sync: 'unreadable', problem: 'registry unreachable: connect ECONNREFUSED' }),
      { running: '1.0.1', last: ok, pending: null },
      { sync: null, reason: 'registry unreachable: connect ECONNREFUSED' },
    ],
    [
      'the tag is not a manifest',
      view({
        digest: null,
        version: null,
        sync: 'unreadable',
        problem: 'refused (unreadable): media type "x" is not a manifest type',
      }),
      { running: '1.0.1', last: ok, pending: null },
      { sync: 'out-of-sync', reason: 'refused (unreadable): media type "x" is not a manifest type' },
    ],
    [
      'a refused digest',
      view({ version: null, sync: 'moved', problem: 'refused (artifact-type): ...' }),
      { running: '1.0.1', last: ok, pending: null },
      { sync: 'out-of-sync', reason: 'the tag names sha256:aaa: refused (artifact-type): ...' },
    ],
    [
      'a quarantined version',
      view({ version: '1.0.3', sync: 'moved', problem: '1.0.3 is quarantined in prod (...): not followed' }),
      { running: '1.0.1', last: ok, pending: null },
      { sync: 'out-of-sync', reason: 'the tag names 1.0.3: 1.0.3 is quarantined in prod (...): not followed' },
    ],
    [
      'a release in flight',
      view({ version: '1.0.2', sync: 'in-flight' }),
      { running: '1.0.1', last: { version: '1.0.2', state: 'applying' as const, reason: null }, pending: '1.0.2' },
      { sync: 'out-of-sync', reason: 'in flight: 1.0.2' },
    ],
    [
      'in flight on the version it already runs',
      view({ sync: 'in-flight' }),
      { running: '1.0.1', last: ok, pending: '1.0.1' },
      { sync: 'out-of-sync', reason: 'in flight: 1.0.1' },
    ],
    [
      'the release of the tagged version failed',
      view({ version: '1.0.2', sync: 'known' }),
      {
        running: '1.0.1',
        last: { version: '1.0.2', state: 'rolled-back' as const, reason: 'CrashLoopBackOff' },
        pending: null,
      },
      { sync: 'out-of-sync', reason: 'the release of 1.0.2 failed (rolled-back): CrashLoopBackOff' },
    ],
    [
      'moved and not yet followed',
      view({ version: '1.0.0', sync: 'moved' }),
      { running: '1.0.1', last: ok, pending: null },
      { sync: 'out-of-sync', reason: 'the tag was moved to 1.0.0 outside Drover; drover serve releases it' },
    ],
    [
      'retired',
      view({ sync: 'retired' }),
      { running: null, last: { version: '1.0.1', state: 'succeeded' as const, reason: null }, pending: null },
      { sync: 'out-of-sync', reason: 'retired here' },
    ],
    [
      'deployed here by hand',
      view({ sync: 'known' }),
      { running: '1.0.3', last: { version: '1.0.3', state: 'succeeded' as const, reason: null }, pending: null },
      {
        sync: 'out-of-sync',
        reason: 'runs 1.0.3; the tag names 1.0.1 (released here outside the tag, or kept after a failed rollout)',
      },
    ],
  ])('%s', (_name, v, cluster, expected) => {
    expect(clusterSync(v, cluster)).toEqual(expected);
  });
});
