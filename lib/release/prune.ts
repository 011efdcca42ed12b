/**
 * Deletes the plan's `prune` entries: objects Drover owned that left the
 * bundle. The plan already checked ownership, ownerReferences and protected
 * kinds; the delete carries the live object's uid as a precondition so a
 * newer object of the same name is never removed.
 */
import type { Cluster } from '../cluster/cluster.ts';
import { deleteObject } from '../cluster/delete.ts';
import type { OnEvent } from '../progress.ts';
import type { PlanEntry } from './plan.ts';
import { mapLimit } from './pool.ts';

export async function pruneEntries(cluster: Cluster, plan: PlanEntry[], { signal, onEvent = () => {}, concurrency = 16 }: { signal?: AbortSignal; onEvent?: OnEvent; concurrency?: number }): Promise<string[]> {
  const doomed = plan.filter((e) => e.action === 'prune' && e.live);
  await mapLimit(doomed, concurrency, async (e) => {
    const live = e.live!;
    await deleteObject(cluster, {
      ref: { apiVersion: live.apiVersion, group: '', kind: live.kind, namespace: live.metadata.namespace ?? '', name: live.metadata.name },
      preconditionUid: live.metadata.uid as string | undefined,
      signal,
    });
    onEvent({ phase: 'prune', subject: cluster.name, message: `deleted ${e.ref}` });
  });
  for (const e of plan.filter((x) => x.action === 'keep')) onEvent({ phase: 'prune', subject: cluster.name, level: 'warn', message: `kept ${e.ref}: ${e.reason}` });
  return doomed.map((e) => e.ref);
}
