/**
 * Applies planned members stage by stage (CRDs and Namespaces first, then
 * config and identity, Services, workloads, the rest), members of one stage
 * in parallel with a bound, skipping members the plan found unchanged so an
 * unchanged re-apply writes nothing. After the first stage, discovery is
 * refreshed so kinds from freshly established CRDs resolve. Each object is
 * applied with the bundle's own field manager, forced only where the bundle
 * owns it (created or adopted: a shared object's other managers keep their
 * fields, and a conflict names them), and recreated past an immutable-field
 * change only when Drover created it.
 */
import { applyObject } from '../cluster/apply.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { deleteObject } from '../cluster/delete.ts';
import { getObject } from '../cluster/get.ts';
import { fieldConflicts, kubeCause } from '../cluster/kube-error.ts';
import { ReleaseFailedError, toDroverError } from '../errors/errors.ts';
import { groupIntoStages } from '../object/order.ts';
import { formatRef, refOf, type KubeObject } from '../object/ref.ts';
import type { OnEvent } from '../progress.ts';
import type { ChangeSetEntry } from './change-set.ts';
import type { PlanEntry } from './plan.ts';
import { mapLimit } from '../foundation/map-limit.ts';

/** Kinds that are never deleted to get past an immutable-field change. */
const NEVER_RECREATE = new Set([
  'StatefulSet',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'Namespace',
  'CustomResourceDefinition',
]);

export interface ApplyMembersOptions {
  cluster: Cluster;
  entries: PlanEntry[];
  /** The bundle's field manager (`drover/<bundle>`). */
  manager: string;
  /** Recreate objects whose immutable fields changed (never StatefulSets or PVCs). */
  recreateOnImmutable?: boolean;
  concurrency?: number;
  onEvent?: OnEvent;
  /** Called after each object is written, with the count so far. */
  onApplied?: (ref: string, count: number) => void;
  signal?: AbortSignal;
}

/** Applies the plan's create and update entries; returns a change-set entry for each object written. */
export async function applyMembers({
  cluster,
  entries,
  manager,
  recreateOnImmutable = false,
  concurrency = 16,
  onEvent = () => {},
  onApplied = () => {},
  signal,
}: ApplyMembersOptions): Promise<ChangeSetEntry[]> {
  const toWrite = entries.filter((e) => (e.action === 'create' || e.action === 'update') && e.object);
  const stages = groupIntoStages(toWrite.map((e) => e.object!));
  const byObject = new Map(toWrite.map((e) => [e.object!, e]));
  let written = 0;
  const changes: ChangeSetEntry[] = [];
  for (const [i, stage] of stages.entries()) {
    await mapLimit(stage, concurrency, async (object) => {
      const entry = byObject.get(object)!;
      await applyOne(cluster, object, entry, { manager, recreateOnImmutable, signal });
      written++;
      changes.push({
        ref: entry.ref,
        key: entry.key,
        action: entry.action === 'create' ? 'created' : 'configured',
        object,
      });
      onApplied(entry.ref, written);
      onEvent({
        phase: 'apply',
        subject: cluster.name,
        message: `${entry.action === 'create' ? 'created' : 'configured'} ${entry.ref}`,
        done: written,
        total: toWrite.length,
      });
    });
    if (i === 0 && stage.some((o) => o.kind === 'CustomResourceDefinition')) cluster.discovery.invalidate();
  }
  return changes;
}

/** Whether the bundle may force its apply on the object: it created or adopted it (a shared object is written alongside others). */
export const forcesOn = (entry: PlanEntry): boolean => entry.entry?.origin !== 'shared';

/** Whether the bundle may delete and recreate the object past an immutable change: only what Drover created. */
const mayRecreate = (entry: PlanEntry): boolean =>
  !entry.entry || entry.entry.origin === 'created' || entry.entry.origin === 'created-kept';

async function applyOne(
  cluster: Cluster,
  object: KubeObject,
  entry: PlanEntry,
  { manager, recreateOnImmutable, signal }: { manager: string; recreateOnImmutable: boolean; signal?: AbortSignal },
): Promise<void> {
  const ref = formatRef(refOf(object));
  try {
    await applyObject(cluster, { object, manager, force: forcesOn(entry), signal, before: entry.live });
  } catch (err) {
    const kube = kubeCause(err);
    const conflicts = fieldConflicts(err);
    if (conflicts.length > 0) throw conflictError(cluster.name, ref, entry.entry?.origin, conflicts, err);
    if (
      kube?.immutable &&
      recreateOnImmutable &&
      mayRecreate(entry) &&
      !NEVER_RECREATE.has(object.kind) &&
      entry.live
    ) {
      await deleteObject(cluster, {
        ref: { apiVersion: object.apiVersion, ...refOf(object) },
        propagation: 'Foreground',
        preconditionUid: entry.live.metadata.uid as string,
        signal,
      });
      await waitGone(cluster, object, signal);
      await applyObject(cluster, { object, manager, signal, before: null });
      return;
    }
    if (kube?.immutable) {
      const fields =
        kube.causes
          .map((c) => c.field)
          .filter(Boolean)
          .join(', ') || kube.message;
      const why =
        recreateOnImmutable && !mayRecreate(entry)
          ? `; Drover recreates only objects it created, and this one is ${entry.entry?.origin} (delete and recreate it yourself, or let the bundle create it)`
          : '; set spec.recreateOnImmutableChange in the Bundle to allow delete-and-recreate';
      throw new ReleaseFailedError(
        `${cluster.name}: ${ref}: a field that cannot change after creation changed (${fields})${why}`,
        {
          data: { cluster: cluster.name, ref, reason: 'ImmutableFieldChanged' },
          cause: err,
        },
      );
    }
    throw toDroverError(err);
  }
}

/** A shared object's fields held by another manager: named, with the fields, never forced. */
export function conflictError(
  cluster: string,
  ref: string,
  origin: string | undefined,
  conflicts: readonly { manager: string; field: string }[],
  cause: unknown,
): ReleaseFailedError {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
  const named = [...byManager].map(([m, fields]) => `${m} holds ${fields.join(', ')}`).join('; ');
  return new ReleaseFailedError(
    `${cluster}: ${ref}: ${named}; Drover forces only objects its bundle created or adopted, and this one is ${origin ?? 'not its own'}: agree on the values, or leave the fields to one bundle`,
    {
      data: { cluster, ref, reason: 'FieldManagerConflict', conflicts },
      cause,
    },
  );
}

async function waitGone(cluster: Cluster, object: KubeObject, signal?: AbortSignal): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if ((await getObject(cluster, { apiVersion: object.apiVersion, ...refOf(object) }, signal)) === null) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new ReleaseFailedError(
    `${cluster.name}: ${formatRef(refOf(object))} was not deleted within 60 s for recreation`,
    { data: { cluster: cluster.name } },
  );
}
