/**
 * Reads a bundle's members from a cluster as cheaply as the API allows: kinds
 * with several members in one namespace with one LIST (see assembleLiveReads
 * in plan.ts), the rest with a GET each. Used to plan a release, to roll one
 * back, and on every health poll.
 *
 * @example
 *   const live = await readLive(cluster, members.map(idOf), 16);
 *   live.get(keyOf(member)) // the live object, or null when absent
 */
import type { Cluster } from '../cluster/cluster.ts';
import { getObject, listObjects } from '../cluster/get.ts';
import { isNotServed } from '../cluster/discovery.ts';

import { kubeCause } from '../cluster/kube-error.ts';

import { type KubeObject, type ObjectId, refKey } from '../object/ref.ts';
import { assembleLiveReads } from './plan.ts';
import { mapLimit } from '../foundation/map-limit.ts';

/**
 * Live objects by key, null when absent. Kinds with several members in one
 * namespace are read with one LIST (see assembleLiveReads), the rest with a
 * GET each, at most `concurrency` requests at a time; a LIST the identity may
 * not make (403) falls back to a GET per member. An object of a kind the
 * server does not serve (its CRD is not installed) is absent.
 */
export async function readLive(
  cluster: Cluster,
  ids: ObjectId[],
  concurrency: number,
  signal?: AbortSignal,
): Promise<Map<string, KubeObject | null>> {
  const { lists, gets } = assembleLiveReads(ids);
  const live = new Map<string, KubeObject | null>();
  const absentIfNotServed = (err: unknown) => {
    if (isNotServed(err)) return null;
    throw err;
  };
  const get = async (m: ObjectId) => {
    live.set(
      refKey(m),
      await getObject(
        cluster,
        { apiVersion: m.apiVersion, kind: m.kind, namespace: m.namespace, name: m.name },
        signal,
      ).catch(absentIfNotServed),
    );
  };
  const jobs: (() => Promise<void>)[] = [
    ...lists.map(({ apiVersion, kind, namespace, members }) => async () => {
      let items: KubeObject[];
      try {
        const listed = await listObjects(cluster, { apiVersion, kind, namespace, signal }).catch(absentIfNotServed);
        if (listed === null) {
          for (const m of members) live.set(refKey(m), null);
          return;
        }
        ({ items } = listed);
      } catch (err) {
        // An identity allowed to get but not to list (e.g. Secrets in a hardened namespace) reads one by one.
        if (kubeCause(err)?.status !== 403) throw err;
        await mapLimit(members, concurrency, get);
        return;
      }
      // Match the namespace too: a namespaced kind with no namespace lists every namespace.
      const byName = new Map(
        items.filter((o) => (o.metadata.namespace ?? '') === namespace).map((o) => [o.metadata.name, o]),
      );
      for (const m of members) live.set(refKey(m), byName.get(m.name) ?? null);
    }),
    ...gets.map((m) => () => get(m)),
  ];
  await mapLimit(jobs, concurrency, (job) => job());
  return live;
}
