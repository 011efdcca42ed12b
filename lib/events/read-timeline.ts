/**
 * Reads a bundle's Events on one cluster: one LIST of Events per namespace
 * the members live in (`default` too for cluster-scoped members, whose
 * Events land there), and one LIST per kind of child the members can have
 * there (ReplicaSets, Pods, Jobs), then ties them together with the pure
 * timeline.ts. No request per object, so the cost does not grow with the
 * number of Pods. Several bundles read in one pass can share `cache`, so a
 * namespace is listed once.
 *
 * @example
 *   const entries = await readTimeline(cluster, { members: inventory.current.members, signal });
 */
import type { Cluster } from '../cluster/cluster.ts';
import { listObjects } from '../cluster/get.ts';
import { groupOf, type KubeObject, type ObjectId } from '../object/ref.ts';

import { childKindsOf } from './generated-names.ts';

import { assembleTimeline, type TimelineEntry } from './timeline.ts';

const CHILD_API: Record<string, { apiVersion: string; group: string }> = {
  ReplicaSet: { apiVersion: 'apps/v1', group: 'apps' },
  Job: { apiVersion: 'batch/v1', group: 'batch' },
  Pod: { apiVersion: 'v1', group: '' },
};

/** Lists shared between reads of one pass, keyed by `kind|namespace`. */
export type ListCache = Map<string, Promise<KubeObject[]>>;

export interface ReadTimelineOptions {
  members: readonly ObjectId[];
  inferGone?: boolean;
  cache?: ListCache;
  signal?: AbortSignal;
}

/** The kinds of descendants `members` can have, per namespace (children of children included). */
export function childKindsByNamespace(members: readonly ObjectId[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of members) {
    const kinds = out.get(m.namespace) ?? new Set<string>();
    out.set(m.namespace, kinds);
    const queue = [{ group: groupOf(m.apiVersion), kind: m.kind }];
    while (queue.length > 0) {
      for (const kind of childKindsOf(queue.shift()!)) {
        if (kinds.has(kind) || !CHILD_API[kind]) continue;
        kinds.add(kind);
        queue.push({ group: CHILD_API[kind].group, kind });
      }
    }
  }
  return out;
}

export async function readTimeline(
  cluster: Cluster,
  { members, inferGone = true, cache = new Map(), signal }: ReadTimelineOptions,
): Promise<TimelineEntry[]> {
  const list = (apiVersion: string, kind: string, namespace: string) => {
    const key = `${kind}|${namespace}`;
    if (!cache.has(key))
      cache.set(
        key,
        listObjects(cluster, { apiVersion, kind, namespace, signal }).then((r) => r.items),
      );
    return cache.get(key)!;
  };
  const kinds = childKindsByNamespace(members);
  const eventNamespaces = new Set([...kinds.keys()].map((ns) => ns || 'default'));
  const [events, objects] = await Promise.all([
    Promise.all([...eventNamespaces].map((ns) => list('v1', 'Event', ns))),
    Promise.all(
      [...kinds]
        .filter(([ns]) => ns !== '')
        .flatMap(([ns, ks]) => [...ks].map((k) => list(CHILD_API[k]!.apiVersion, k, ns))),
    ),
  ]);
  return assembleTimeline({ members, objects: objects.flat(), events: events.flat(), inferGone });
}
