/**
 * Letting go of what a bundle no longer wants without deleting it: the
 * plan's `release` entries (this bundle's field manager and marks are taken
 * off; an adopted object keeps every value, a shared one loses the fields
 * only this bundle applies, as server-side apply removes them when a manager
 * stops applying them) and `restore` entries (an adopted object's prior
 * state put back, prior-state.ts). Deleting is prune.ts's; this never
 * deletes an object.
 */
import { applyObject } from '../cluster/apply.ts';
import { getObject } from '../cluster/get.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { type JsonPatchOp, patchObject, pointerSegment } from '../cluster/patch.ts';
import { managedFieldsOf, withoutManagers } from '../object/managed-fields.ts';
import type { KubeObject, ObjectId } from '../object/ref.ts';
import type { OnEvent } from '../progress.ts';
import type { ChangeSetEntry } from './change-set.ts';
import { BUNDLE_LABEL, LEGACY_MANAGER, managerOf, OWNER_ANNOTATION, sharedLabel } from './ownership.ts';
import type { PlanEntry } from './plan.ts';
import { mapLimit } from '../foundation/map-limit.ts';
import { deletePriorState, readPriorState, restorePriorState } from './prior-state.ts';

const idOfLive = (live: KubeObject): ObjectId => ({
  apiVersion: live.apiVersion,
  kind: live.kind,
  namespace: live.metadata.namespace ?? '',
  name: live.metadata.name,
});

/** The JSON Patch that takes `bundle`'s manager and marks off `live`, its values left as they are. Pure. */
export function assembleReleasePatch({ live, bundle }: { live: KubeObject; bundle: string }): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [{ op: 'test', path: '/metadata/uid', value: live.metadata.uid }];
  const entries = managedFieldsOf(live);
  const legacyOwner = live.metadata.annotations?.[OWNER_ANNOTATION] === bundle;
  const managers = [managerOf(bundle), ...(legacyOwner ? [LEGACY_MANAGER] : [])];
  if (entries.some((e) => managers.includes(e.manager ?? '') && !e.subresource))
    ops.push({ op: 'replace', path: '/metadata/managedFields', value: withoutManagers(entries, managers) });
  const labels = live.metadata.labels ?? {};
  for (const k of [labels[BUNDLE_LABEL] === bundle ? BUNDLE_LABEL : null, sharedLabel(bundle)])
    if (k && k in labels) ops.push({ op: 'remove', path: `/metadata/labels/${pointerSegment(k)}` });
  if (legacyOwner) ops.push({ op: 'remove', path: `/metadata/annotations/${pointerSegment(OWNER_ANNOTATION)}` });
  return ops;
}

/** Releases one object: adopted (`keepValues`) keeps every value; otherwise only the fields no other manager applies go. */
export async function releaseObject(
  cluster: Cluster,
  { live, bundle, keepValues, signal }: { live: KubeObject; bundle: string; keepValues: boolean; signal?: AbortSignal },
): Promise<void> {
  const id = idOfLive(live);
  if (!keepValues) {
    // Applying nothing but the identity with the bundle's manager: the server removes what only this manager set.
    await applyObject(cluster, {
      object: {
        apiVersion: id.apiVersion,
        kind: id.kind,
        metadata: { name: id.name, ...(id.namespace ? { namespace: id.namespace } : {}) },
      },
      manager: managerOf(bundle),
      force: false,
      signal,
    });
  }
  const fresh = keepValues ? live : await getObject(cluster, id, signal);
  if (!fresh) return;
  const patch = assembleReleasePatch({ live: fresh, bundle });
  if (patch.length > 1) await patchObject(cluster, { ref: id, patch, manager: managerOf(bundle), signal });
}

/** Runs the plan's release and restore entries; returns what was done to each. */
export async function letGoEntries(
  cluster: Cluster,
  plan: readonly PlanEntry[],
  {
    bundle,
    concurrency = 16,
    signal,
    onEvent = () => {},
  }: { bundle: string; concurrency?: number; signal?: AbortSignal; onEvent?: OnEvent },
): Promise<ChangeSetEntry[]> {
  const todo = plan.filter((e) => (e.action === 'release' || e.action === 'restore') && e.live);
  const done: ChangeSetEntry[] = [];
  await mapLimit(todo, concurrency, async (e) => {
    const live = e.live!;
    if (e.action === 'restore' && e.entry?.prior) {
      const prior = await readPriorState(cluster, { ref: e.entry.prior, signal });
      if (
        prior &&
        (await restorePriorState(cluster, { id: idOfLive(live), prior, manager: managerOf(bundle), signal }))
      ) {
        done.push({ ref: e.ref, key: e.key, action: 'restored', reason: e.reason ?? 'prior state restored' });
        onEvent({
          phase: 'prune',
          subject: cluster.name,
          message: `restored ${e.ref} as it was before ${bundle} adopted it`,
        });
        return;
      }
    }
    const keepValues = e.action === 'restore' ? true : (e.keepValues ?? true);
    await releaseObject(cluster, { live, bundle, keepValues, signal });
    done.push({
      ref: e.ref,
      key: e.key,
      action: 'released',
      reason:
        e.action === 'restore'
          ? 'adopted; its prior state was not found, so it was released as it is'
          : (e.reason ?? 'released'),
    });
    onEvent({ phase: 'prune', subject: cluster.name, message: `released ${e.ref}: ${e.reason ?? ''}` });
  });
  return done;
}

/** Deletes the prior-state holders of adopted objects a finished plan let go (they are no longer the bundle's to restore). */
export async function deletePriorHolders(
  cluster: Cluster,
  plan: readonly PlanEntry[],
  signal?: AbortSignal,
): Promise<void> {
  const holders = plan
    .filter((e) => (e.action === 'release' || e.action === 'restore') && e.entry?.prior)
    .map((e) => e.entry!.prior!);
  await mapLimit(holders, 8, (ref) => deletePriorState(cluster, { ref, signal }));
}
