/**
 * Moving objects written by earlier releases, under Drover's single field
 * manager `drover`, to their bundle's own manager `drover/<bundle>` before
 * the bundle applies them again: without the move, the old manager would
 * keep owning every field it set, so a field the bundle later drops would
 * never be removed, and a shared object's bundles could not tell their fields
 * apart. The move renames the managedFields entry (a metadata-only patch
 * guarded by the object's resourceVersion), so no value changes and no field
 * is lost or conflicts. Only objects the bundle holds by its ledger and that
 * the old marks name as its own are moved.
 */
import type { Cluster } from '../cluster/cluster.ts';
import { patchObject } from '../cluster/patch.ts';
import { managedFieldsOf, renameManager } from '../object/managed-fields.ts';
import type { KubeObject } from '../object/ref.ts';
import { LEGACY_MANAGER, managerOf, OWNER_ANNOTATION } from './ownership.ts';
import { mapLimit } from '../foundation/map-limit.ts';

/** The objects among `live` that still carry the bundle's fields under `drover`, with their renamed managedFields. Pure. */
export function legacyManaged(
  bundle: string,
  live: readonly KubeObject[],
): { live: KubeObject; managedFields: unknown[] }[] {
  return live.flatMap((l) => {
    if (l.metadata.annotations?.[OWNER_ANNOTATION] !== bundle) return [];
    const renamed = renameManager(managedFieldsOf(l), { from: LEGACY_MANAGER, to: managerOf(bundle) });
    return renamed ? [{ live: l, managedFields: renamed }] : [];
  });
}

/** Renames the entries; returns the live objects as the server has them after the move, by the order given. */
export async function migrateManagers(
  cluster: Cluster,
  {
    bundle,
    moves,
    concurrency = 16,
    signal,
  }: { bundle: string; moves: ReturnType<typeof legacyManaged>; concurrency?: number; signal?: AbortSignal },
): Promise<KubeObject[]> {
  return mapLimit(moves, concurrency, ({ live, managedFields }) =>
    patchObject(cluster, {
      ref: {
        apiVersion: live.apiVersion,
        kind: live.kind,
        namespace: live.metadata.namespace ?? '',
        name: live.metadata.name,
      },
      manager: managerOf(bundle),
      patch: [
        { op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion },
        { op: 'replace', path: '/metadata/managedFields', value: managedFields },
      ],
      signal,
    }),
  );
}
