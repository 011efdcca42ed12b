import { describe, expect, it } from 'vitest';
import { hasKubeEvents, type KubeEventRow, listKubeEvents, upsertKubeEvents } from './events.ts';
import { openState } from './open.ts';

const row = (over: Partial<KubeEventRow>): KubeEventRow => ({
  cluster: 'c1',
  uid: 'u1',
  bundle: 'web',
  version: '1.0.2',
  member: 'Deployment/shop/web',
  object: 'Pod/shop/web-d7b5b5c65-rqv8b',
  objectUid: 'p1',
  type: 'Warning',
  reason: 'BackOff',
  message: 'Back-off restarting failed container',
  source: 'kwok_controller',
  count: 1,
  firstAt: '2026-11-25T10:21:57Z',
  lastAt: '2026-11-25T10:21:57Z',
  resourceVersion: '103',
  gatheredAt: '2026-11-25T10:22:00.000Z',
  ...over,
});

describe('kube_events', () => {
  it('stores an Event once per cluster and uid, updating its count and last time when gathered again', () => {
    const db = openState({ path: ':memory:' });
    expect(
      upsertKubeEvents(db, [
        row({}),
        row({ cluster: 'c2' }),
        row({ uid: 'u2', version: '1.0.0', type: 'Normal', reason: 'Scheduled' }),
      ]),
    ).toEqual({ added: 3, updated: 0 });
    expect(upsertKubeEvents(db, [row({})])).toEqual({ added: 0, updated: 0 });
    expect(
      upsertKubeEvents(db, [
        row({ count: 4, lastAt: '2026-11-25T10:23:00Z', resourceVersion: '300', gatheredAt: 'later' }),
      ]),
    ).toEqual({ added: 0, updated: 1 });

    const c1 = listKubeEvents(db, { bundle: 'web', cluster: 'c1', version: '1.0.2' });
    expect(c1).toEqual([row({ count: 4, lastAt: '2026-11-25T10:23:00Z', gatheredAt: 'later' })]); // first time and resourceVersion kept
    expect(listKubeEvents(db, { bundle: 'web' }).map((r) => `${r.cluster}/${r.uid}/${r.version}`)).toEqual([
      'c1/u1/1.0.2',
      'c1/u2/1.0.0',
      'c2/u1/1.0.2',
    ]);
    expect(listKubeEvents(db, { bundle: 'web', version: '1.0.0' }).map((r) => r.uid)).toEqual(['u2']);
    expect(listKubeEvents(db, { bundle: 'api' })).toEqual([]);
    expect(hasKubeEvents(db, 'web')).toBe(true);
    expect(hasKubeEvents(db, 'api')).toBe(false);
  });

  it('keeps one Event per bundle when a shared member ties it to two', () => {
    const db = openState({ path: ':memory:' });
    upsertKubeEvents(db, [row({ bundle: 'web' }), row({ bundle: 'api' })]);
    expect(listKubeEvents(db, { bundle: 'api' })).toHaveLength(1);
    expect(listKubeEvents(db, { bundle: 'web' })).toHaveLength(1);
  });
});
