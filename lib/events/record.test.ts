import { describe, expect, it } from 'vitest';
import { assembleEventRows } from './record.ts';

describe('assembleEventRows', () => {
  it('gives each Event the version its cluster ran or released then', () => {
    const rows = assembleEventRows({
      cluster: 'c1',
      bundle: 'web',
      gatheredAt: 'now',
      running: '1.0.0',
      releases: [
        {
          version: '1.0.2',
          fromVersion: '1.0.0',
          state: 'rolled-back',
          startedAt: '2026-11-25T10:21:56.900Z',
          finishedAt: '2026-11-25T10:22:10Z',
        },
      ],
      entries: [
        {
          member: 'Deployment/shop/web',
          object: 'Pod/shop/web-d7b5b5c65-rqv8b',
          via: 'name',
          event: {
            uid: 'u',
            type: 'Warning',
            reason: 'BackOff',
            message: 'm',
            object: { kind: 'Pod', namespace: 'shop', name: 'web-d7b5b5c65-rqv8b', uid: 'p' },
            count: 1,
            firstAt: '2026-11-25T10:21:57Z',
            lastAt: '2026-11-25T10:21:57Z',
            source: 'kwok_controller',
            resourceVersion: '9',
          },
        },
      ],
    });
    expect(rows).toEqual([
      {
        cluster: 'c1',
        uid: 'u',
        bundle: 'web',
        version: '1.0.2',
        member: 'Deployment/shop/web',
        object: 'Pod/shop/web-d7b5b5c65-rqv8b',
        objectUid: 'p',
        type: 'Warning',
        reason: 'BackOff',
        message: 'm',
        source: 'kwok_controller',
        count: 1,
        firstAt: '2026-11-25T10:21:57Z',
        lastAt: '2026-11-25T10:21:57Z',
        resourceVersion: '9',
        gatheredAt: 'now',
      },
    ]);
  });
});
