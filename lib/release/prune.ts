/**
 * Deletes the plan's `prune` entries: objects Drover owned that left the
 * bundle. The plan already checked ownership, ownerReferences and protected
 * kinds; the delete carries the live object's uid as a precondition so a
 * newer object of the same name is never removed. Deletion runs the apply
 * stages backwards (custom resources and workloads before the CRDs and
 * Namespaces they live in), one stage after another.
 */
import type { PropagationPolicy } from '../bundle/policy.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { deleteObject } from '../cluster/delete.ts';
import { groupIntoStages } from '../object/order.ts';
import type { KubeObject } from '../object/ref.ts';
import type { OnEvent } from '../progress.ts';
import type { PlanEntry } from './plan.ts';
import { mapLimit } from '../foundation/map-limit.ts';

export async function pruneEntries(
  cluster: Cluster,
  plan: PlanEntry[],
  {
    propagation = 'Background',
    signal,
    onEvent = () => {},
    concurrency = 16,
  }: { propagation?: PropagationPolicy; signal?: AbortSignal; onEvent?: OnEvent; concurrency?: number },
): Promise<string[]> {
  const doomed = plan.filter((e) => e.action === 'prune' && e.live);
  const entryOf = new Map<KubeObject, PlanEntry>(doomed.map((e) => [e.live!, e]));
  for (const stage of groupIntoStages(doomed.map((e) => e.live!)).reverse()) {
    await mapLimit(stage, concurrency, async (live) => {
      await deleteObject(cluster, {
        ref: {
          apiVersion: live.apiVersion,
          kind: live.kind,
          namespace: live.metadata.namespace ?? '',
          name: live.metadata.name,
        },
        propagation,
        preconditionUid: live.metadata.uid as string | undefined,
        signal,
      });
      onEvent({ phase: 'prune', subject: cluster.name, message: `deleted ${entryOf.get(live)!.ref}` });
    });
  }
  for (const e of plan.filter((x) => x.action === 'keep'))
    onEvent({ phase: 'prune', subject: cluster.name, level: 'warn', message: `kept ${e.ref}: ${e.reason}` });
  return doomed.map((e) => e.ref);
}

/** `Kind/ns/name: why` for each object a plan keeps instead of deleting, for journals and results. */
export function keptObjects(plan: readonly PlanEntry[]): { ref: string; reason: string }[] {
  return plan.filter((e) => e.action === 'keep').map((e) => ({ ref: e.ref, reason: e.reason ?? 'kept' }));
}
