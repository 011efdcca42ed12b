/**
 * Applies planned members stage by stage (CRDs and Namespaces first, then
 * config and identity, Services, workloads, the rest), members of one stage
 * in parallel with a bound, skipping members the plan found unchanged so an
 * unchanged re-apply writes nothing. After the first stage, discovery is
 * refreshed so kinds from freshly established CRDs resolve.
 */
import { applyObject } from '../cluster/apply.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { deleteObject } from '../cluster/delete.ts';
import { getObject } from '../cluster/get.ts';
import { kubeCause } from '../cluster/kube-error.ts';
import { ReleaseFailedError, toDroverError } from '../errors/errors.ts';
import { groupIntoStages } from '../object/order.ts';
import { formatRef, refOf, type KubeObject } from '../object/ref.ts';
import type { OnEvent } from '../progress.ts';
import type { ChangeSetEntry } from './change-set.ts';
import type { PlanEntry } from './plan.ts';
import { mapLimit } from './pool.ts';

/** Kinds that are never deleted to get past an immutable-field change. */
const NEVER_RECREATE = new Set(['StatefulSet', 'PersistentVolumeClaim', 'PersistentVolume', 'Namespace', 'CustomResourceDefinition']);

export interface ApplyMembersOptions {
  cluster: Cluster;
  entries: PlanEntry[];
  /** Recreate objects whose immutable fields changed (never StatefulSets or PVCs). */
  recreateOnImmutable?: boolean;
  concurrency?: number;
  onEvent?: OnEvent;
  /** Called after each object is written, with the count so far. */
  onApplied?: (ref: string, count: number) => void;
  signal?: AbortSignal;
}

/** Applies the plan's create and update entries; returns a change-set entry for each object written. */
export async function applyMembers({ cluster, entries, recreateOnImmutable = false, concurrency = 16, onEvent = () => {}, onApplied = () => {}, signal }: ApplyMembersOptions): Promise<ChangeSetEntry[]> {
  const toWrite = entries.filter((e) => (e.action === 'create' || e.action === 'update') && e.object);
  const stages = groupIntoStages(toWrite.map((e) => e.object!));
  const byObject = new Map(toWrite.map((e) => [e.object!, e]));
  let written = 0;
  const changes: ChangeSetEntry[] = [];
  for (const [i, stage] of stages.entries()) {
    await mapLimit(stage, concurrency, async (object) => {
      const entry = byObject.get(object)!;
      await applyOne(cluster, object, entry, { recreateOnImmutable, signal });
      written++;
      changes.push({ ref: entry.ref, key: entry.key, action: entry.action === 'create' ? 'created' : 'configured', object });
      onApplied(entry.ref, written);
      onEvent({ phase: 'apply', subject: cluster.name, message: `${entry.action === 'create' ? 'created' : 'configured'} ${entry.ref}`, done: written, total: toWrite.length });
    });
    if (i === 0 && stage.some((o) => o.kind === 'CustomResourceDefinition')) cluster.discovery.invalidate();
  }
  return changes;
}

async function applyOne(cluster: Cluster, object: KubeObject, entry: PlanEntry, { recreateOnImmutable, signal }: { recreateOnImmutable: boolean; signal?: AbortSignal }): Promise<void> {
  try {
    await applyObject(cluster, { object, signal, before: entry.live });
  } catch (err) {
    const kube = kubeCause(err);
    if (kube?.immutable && recreateOnImmutable && !NEVER_RECREATE.has(object.kind) && entry.live) {
      await deleteObject(cluster, { ref: { apiVersion: object.apiVersion, ...refOf(object) }, propagation: 'Foreground', preconditionUid: entry.live.metadata.uid as string, signal });
      await waitGone(cluster, object, signal);
      await applyObject(cluster, { object, signal, before: null });
      return;
    }
    if (kube?.immutable) {
      throw new ReleaseFailedError(
        `${cluster.name}: ${formatRef(refOf(object))}: a field that cannot change after creation changed (${kube.causes.map((c) => c.field).filter(Boolean).join(', ') || kube.message}); set spec.recreateOnImmutableChange in the Bundle to allow delete-and-recreate`,
        { data: { cluster: cluster.name, ref: formatRef(refOf(object)), reason: 'ImmutableFieldChanged' }, cause: err },
      );
    }
    throw toDroverError(err);
  }
}

async function waitGone(cluster: Cluster, object: KubeObject, signal?: AbortSignal): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if ((await getObject(cluster, { apiVersion: object.apiVersion, ...refOf(object) }, signal)) === null) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new ReleaseFailedError(`${cluster.name}: ${formatRef(refOf(object))} was not deleted within 60 s for recreation`, { data: { cluster: cluster.name } });
}
