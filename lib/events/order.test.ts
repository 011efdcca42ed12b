import { expect, it } from 'vitest';
import { type Ordered, orderEvents } from './order.ts';

const e = (uid: string, cluster: string, firstAt: string, resourceVersion: string): Ordered => ({
  uid,
  cluster,
  firstAt,
  resourceVersion,
});

it('orders each cluster by second then resourceVersion, and merges clusters by time', () => {
  const shuffled = [
    e('c2-late', 'c2', '2026-11-25T10:00:02Z', '5'),
    e('c1-backoff', 'c1', '2026-11-25T10:00:01Z', '103'),
    e('c1-scheduled', 'c1', '2026-11-25T10:00:01.300Z', '102'),
    e('c2-early', 'c2', '2026-11-25T10:00:01.100Z', '900'),
    e('c1-first', 'c1', '2026-11-25T10:00:00.999Z', '999'),
    e('c3-same', 'c3', '2026-11-25T10:00:02Z', '1'),
    e('c2-same-rv-b', 'c2', '2026-11-25T10:00:03Z', ''),
    e('c2-same-rv-a', 'c2', '2026-11-25T10:00:03Z', ''),
  ];
  expect(orderEvents(shuffled).map((x) => x.uid)).toEqual([
    'c1-first',
    // Second 10:00:01: on c1 the microsecond Scheduled was stored before the whole-second BackOff, and stays first.
    'c2-early',
    'c1-scheduled',
    'c1-backoff',
    'c2-late',
    'c3-same',
    'c2-same-rv-a',
    'c2-same-rv-b',
  ]);
});

it('gives the same order whatever order the rows come in', () => {
  const rows = [
    e('a', 'c1', '2026-11-25T10:00:01Z', '103'),
    e('b', 'c1', '2026-11-25T10:00:01.300Z', '102'),
    e('c', 'c2', '2026-11-25T10:00:01.100Z', '7'),
    e('d', 'c2', '2026-11-25T10:00:01Z', '8'),
    e('f', 'c3', '2026-11-25T10:00:00Z', '1'),
  ];
  const want = orderEvents(rows).map((x) => x.uid);
  for (let i = 0; i < rows.length; i++) {
    const rotated = [...rows.slice(i), ...rows.slice(0, i)];
    expect(orderEvents(rotated).map((x) => x.uid)).toEqual(want);
    expect(orderEvents(rotated.reverse()).map((x) => x.uid)).toEqual(want);
  }
  // c2's whole-second d was stored after c, so it stays after c although its second starts earlier.
  expect(want).toEqual(['f', 'c', 'd', 'b', 'a']);
});
