/**
 * Time order for Events from several clusters. Most Events carry whole
 * seconds (core/v1 writers), the scheduler's carry microseconds, so within one
 * second the clock cannot tell a BackOff from the Scheduled before it. Each
 * cluster's Events are ordered by the second, then by resourceVersion (the
 * order its apiserver stored them), then by the finer time; the clusters'
 * sequences are then merged by second and finer time, cluster name breaking
 * ties, so every cluster's own order is kept and the result is total. Pure.
 *
 * @example
 *   orderEvents(rows) // => rows in time order
 */
import { timeMs } from './event-record.ts';

export interface Ordered {
  cluster: string;
  firstAt: string;
  resourceVersion: string;
  uid: string;
}

const second = (iso: string) => Math.floor(timeMs(iso) / 1000) || 0;
const fine = (iso: string) => timeMs(iso) || 0;
/** resourceVersions are opaque, but an etcd-backed apiserver's are increasing integers; anything else sorts as 0. */
const revision = (rv: string) => (/^\d+$/.test(rv) ? BigInt(rv) : 0n);

function withinCluster(a: Ordered, b: Ordered): number {
  const bySecond = second(a.firstAt) - second(b.firstAt);
  if (bySecond !== 0) return bySecond;
  const ra = revision(a.resourceVersion);
  const rb = revision(b.resourceVersion);
  if (ra !== rb) return ra < rb ? -1 : 1;
  return fine(a.firstAt) - fine(b.firstAt) || a.uid.localeCompare(b.uid);
}

function acrossClusters(a: Ordered, b: Ordered): number {
  return (
    second(a.firstAt) - second(b.firstAt) || fine(a.firstAt) - fine(b.firstAt) || a.cluster.localeCompare(b.cluster)
  );
}

export function orderEvents<T extends Ordered>(items: readonly T[]): T[] {
  const byCluster = new Map<string, T[]>();
  for (const i of items) byCluster.set(i.cluster, [...(byCluster.get(i.cluster) ?? []), i]);
  const queues = [...byCluster.values()].map((q) => q.sort(withinCluster));
  const out: T[] = [];
  const heads = queues.map(() => 0);
  for (;;) {
    let best = -1;
    for (let q = 0; q < queues.length; q++) {
      const h = queues[q]![heads[q]!];
      if (h && (best === -1 || acrossClusters(h, queues[best]![heads[best]!]!) < 0)) best = q;
    }
    if (best === -1) return out;
    out.push(queues[best]![heads[best]!++]!);
  }
}
