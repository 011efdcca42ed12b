import { describe, expect, it } from 'vitest';
import type { KubeEvent } from './event-record.ts';
import { describeFatalEvents, fatalEvents } from './fatal-events.ts';
import type { TimelineEntry } from './timeline.ts';

const entry = (object: string, e: Partial<KubeEvent>): TimelineEntry => ({
  member: 'Deployment/shop/web',
  object,
  via: 'owner',
  event: {
    uid: `${object}/${e.reason}`,
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container',
    object: { kind: 'Pod', namespace: 'shop', name: object.split('/')[2]! },
    count: 1,
    firstAt: '2026-11-25T10:21:57Z',
    lastAt: '2026-11-25T10:21:57Z',
    source: 'kwok_controller',
    resourceVersion: '1',
    ...e,
  },
});

const since = Date.parse('2026-11-25T10:21:56.500Z');

describe('fatalEvents', () => {
  it('folds the same Warning from several Pods into one, counting them', () => {
    const f = fatalEvents(
      [
        entry('Pod/shop/web-a', {}),
        entry('Pod/shop/web-b', { count: 2, lastAt: '2026-11-25T10:21:58Z' }),
        entry('Pod/shop/web-a', { uid: 'again' }),
      ],
      { sinceMs: since },
    );
    expect(f).toEqual([
      {
        reason: 'BackOff',
        message: 'Back-off restarting failed container',
        objects: ['Pod/shop/web-a', 'Pod/shop/web-b'],
        count: 4,
        lastAt: '2026-11-25T10:21:58Z',
      },
    ]);
    expect(describeFatalEvents(f)).toBe('BackOff on Pod/shop/web-a (and 1 more): Back-off restarting failed container');
  });

  it('keeps Warnings only, and only those seen since the release began (a whole second counts to its end)', () => {
    const f = fatalEvents(
      [
        entry('Deployment/shop/web', { type: 'Normal', reason: 'ScalingReplicaSet', message: 'Scaled up' }),
        entry('Pod/shop/old', { reason: 'FailedMount', message: 'old news', lastAt: '2026-11-25T10:00:00Z' }),
        entry('Pod/shop/web-a', { lastAt: '2026-11-25T10:21:56Z' }),
      ],
      { sinceMs: since },
    );
    expect(f.map((x) => [x.reason, x.objects])).toEqual([['BackOff', ['Pod/shop/web-a']]]);
  });

  it('says at most a few, newest first', () => {
    const many = ['A', 'B', 'C', 'D', 'E'].map((r, i) =>
      entry(`Pod/shop/p${i}`, { reason: r, message: `m${r}`, lastAt: `2026-11-25T10:22:0${i}Z` }),
    );
    const f = fatalEvents(many, { sinceMs: since, limit: 3 });
    expect(f.map((x) => x.reason)).toEqual(['E', 'D', 'C']);
    expect(describeFatalEvents(f)).toBe('E on Pod/shop/p4: mE; D on Pod/shop/p3: mD; C on Pod/shop/p2: mC');
  });

  it('has nothing to say without Warnings', () => {
    expect(fatalEvents([entry('Deployment/shop/web', { type: 'Normal' })])).toEqual([]);
    expect(describeFatalEvents([])).toBe('');
  });
});
