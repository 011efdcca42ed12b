/**
 * An adopted object's prior state: what it held, before Drover took it
 * over, in the fields Drover's apply sets (each top-level field the member
 * sets, such as `data` or `spec`, whole; each label and annotation key it
 * sets), and its managedFields. Kept beside the inventory in Drover's
 * namespace, one object per adopted object so the inventory stays far below
 * the 1 MiB object limit: a Secret for an adopted Secret (its prior values
 * never go into a ConfigMap), a ConfigMap otherwise. Rolling back the release
 * that adopted the object puts that state back (`restorePriorState`): the
 * same object, same uid, its fields and field managers as they were.
 *
 * @example
 *   const prior = assemblePriorState({ live, desired });
 *   await writePriorState(cluster, { bundle: 'web', id, prior });
 */
import { createHash } from 'node:crypto';
import { applyObject } from '../cluster/apply.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { deleteObject } from '../cluster/delete.ts';
import { getObject } from '../cluster/get.ts';
import { patchObject, replaceObject } from '../cluster/patch.ts';
import { InvalidInputError } from '../errors/errors.ts';
import { managedFieldsOf, type ManagedFieldsEntry } from '../object/managed-fields.ts';
import { formatRef, type KubeObject, type ObjectId, refKey } from '../object/ref.ts';
import { INVENTORY_NAMESPACE } from './inventory.ts';

/** Labels of the objects that hold prior states. */
export const PRIOR_LABEL = 'drover.dev/prior-of';

export interface PriorState {
  uid: string;
  /** Top-level fields Drover sets, as they were (null: absent). */
  fields: Record<string, unknown>;
  labels: Record<string, string | null>;
  annotations: Record<string, string | null>;
  managedFields: ManagedFieldsEntry[];
}

const IDENTITY = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** The prior state of `live` in the fields `desired` sets. Pure. */
export function assemblePriorState({ live, desired }: { live: KubeObject; desired: KubeObject }): PriorState {
  const fields: Record<string, unknown> = {};
  for (const k of Object.keys(desired)) if (!IDENTITY.has(k)) fields[k] = live[k] ?? null;
  const pick = (want: Record<string, string> | undefined, have: Record<string, string> | undefined) =>
    Object.fromEntries(Object.keys(want ?? {}).map((k) => [k, have?.[k] ?? null]));
  return {
    uid: String(live.metadata.uid ?? ''),
    fields,
    labels: pick(desired.metadata.labels, live.metadata.labels),
    annotations: pick(desired.metadata.annotations, live.metadata.annotations),
    managedFields: managedFieldsOf(live),
  };
}

/** `live` with the prior state put back (resourceVersion kept as the update's precondition). Pure. */
export function assembleRestored({ live, prior }: { live: KubeObject; prior: PriorState }): KubeObject {
  const out: KubeObject = { ...live, metadata: { ...live.metadata } };
  for (const [k, v] of Object.entries(prior.fields)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  const put = (now: Record<string, string> | undefined, was: Record<string, string | null>) => {
    const next = { ...now };
    for (const [k, v] of Object.entries(was)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    return next;
  };
  out.metadata.labels = put(live.metadata.labels, prior.labels);
  out.metadata.annotations = put(live.metadata.annotations, prior.annotations);
  delete out.metadata.managedFields;
  return out;
}

/** Where an adopted object's prior state is kept. */
export function priorStateRef(bundle: string, id: ObjectId): { kind: 'Secret' | 'ConfigMap'; name: string } {
  const hash = createHash('sha256').update(refKey(id)).digest('hex').slice(0, 12);
  return {
    kind: id.kind === 'Secret' && id.apiVersion === 'v1' ? 'Secret' : 'ConfigMap',
    name: `drover-prior-${bundle}-${hash}`,
  };
}

const holderId = (ref: { kind: 'Secret' | 'ConfigMap'; name: string }): ObjectId => ({
  apiVersion: 'v1',
  kind: ref.kind,
  namespace: INVENTORY_NAMESPACE,
  name: ref.name,
});

export async function writePriorState(
  cluster: Cluster,
  { bundle, id, prior, signal }: { bundle: string; id: ObjectId; prior: PriorState; signal?: AbortSignal },
): Promise<{ kind: 'Secret' | 'ConfigMap'; name: string }> {
  const ref = priorStateRef(bundle, id);
  const text = JSON.stringify({ object: formatRef(id), ...prior });
  const metadata = {
    name: ref.name,
    namespace: INVENTORY_NAMESPACE,
    labels: { 'app.kubernetes.io/managed-by': 'drover', [PRIOR_LABEL]: bundle },
  };
  const object: KubeObject =
    ref.kind === 'Secret'
      ? {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata,
          type: 'Opaque',
          data: { state: Buffer.from(text).toString('base64') },
        }
      : { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { state: text } };
  await applyObject(cluster, { object, signal });
  return ref;
}

export async function readPriorState(
  cluster: Cluster,
  { ref, signal }: { ref: { kind: 'Secret' | 'ConfigMap'; name: string }; signal?: AbortSignal },
): Promise<PriorState | null> {
  const obj = await getObject(cluster, holderId(ref), signal);
  if (!obj) return null;
  const raw = (obj.data as Record<string, string> | undefined)?.state;
  try {
    return JSON.parse(
      ref.kind === 'Secret' ? Buffer.from(raw ?? '', 'base64').toString('utf8') : (raw ?? ''),
    ) as PriorState;
  } catch (err) {
    // Never the content in the message: a Secret's prior values are in it.
    throw new InvalidInputError(`${ref.kind}/${INVENTORY_NAMESPACE}/${ref.name}: unreadable prior state`, {
      cause: err,
      data: { reason: 'PriorStateUnreadable' },
    });
  }
}

export async function deletePriorState(
  cluster: Cluster,
  { ref, signal }: { ref: { kind: 'Secret' | 'ConfigMap'; name: string }; signal?: AbortSignal },
): Promise<void> {
  await deleteObject(cluster, { ref: holderId(ref), signal });
}

/**
 * Puts an adopted object's prior state back: an update of the fields Drover
 * set (on the live object, same uid), then its managedFields as they were, so
 * no trace of Drover's manager is left. Returns false when the object is gone
 * or is another object now (its uid differs): there is nothing to restore.
 */
export async function restorePriorState(
  cluster: Cluster,
  { id, prior, manager, signal }: { id: ObjectId; prior: PriorState; manager: string; signal?: AbortSignal },
): Promise<boolean> {
  const live = await getObject(cluster, id, signal);
  if (!live || String(live.metadata.uid ?? '') !== prior.uid) return false;
  const updated = await replaceObject(cluster, { object: assembleRestored({ live, prior }), manager, signal });
  await patchObject(cluster, {
    ref: id,
    manager,
    patch: [
      { op: 'test', path: '/metadata/uid', value: prior.uid },
      { op: 'test', path: '/metadata/resourceVersion', value: updated.metadata.resourceVersion },
      {
        op: 'replace',
        path: '/metadata/managedFields',
        value: prior.managedFields.length > 0 ? prior.managedFields : [{}],
      },
    ],
    signal,
  });
  return true;
}
