/**
 * A release refused before any write: the whole bundle is left as it was,
 * and the reason is one of a small fixed vocabulary, so the journal, the
 * events of the bundle and `drover_release_refused{reason}` count the same
 * thing. Every refusal names the objects it is about.
 *
 * @example
 *   throw refusal({ reason: 'ForeignObject', message: 'ConfigMap/shop/legacy exists and is not owned by bundle web; adopt it with spec.adopt', objects: [...] });
 */
import { ReleaseFailedError } from '../errors/errors.ts';
import { INVENTORY_NAMESPACE, inventoryName } from './inventory.ts';

export type RefusalReason =
  'ForeignObject' | 'NamespaceMissing' | 'ReservedNamespace' | 'InventoryMissing' | 'EmptyVersion';

export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'ForeignObject',
  'NamespaceMissing',
  'ReservedNamespace',
  'InventoryMissing',
  'EmptyVersion',
];

export const isRefusalReason = (r: unknown): r is RefusalReason =>
  typeof r === 'string' && (REFUSAL_REASONS as readonly string[]).includes(r);

/** The error a refused release stops with (nothing was written). */
export function refusal({
  reason,
  message,
  objects = [],
}: {
  reason: RefusalReason;
  message: string;
  objects?: { ref: string; message: string; [k: string]: unknown }[];
}): ReleaseFailedError {
  return new ReleaseFailedError(message, {
    data: { reason, refused: true, ...(objects[0] ? { ref: objects[0].ref } : {}), objects },
  });
}

/** The refusal of a release on a cluster whose inventory is gone while the journal says a version runs there. Pure. */
export function inventoryMissing({
  bundle,
  cluster,
  running,
}: {
  bundle: string;
  cluster: string;
  running: { version: string; digest: string };
}): ReleaseFailedError {
  return refusal({
    reason: 'InventoryMissing',
    message: `inventory of ${bundle} on ${cluster} is missing; the journal says ${bundle}@${running.version} runs there, so nothing was applied (rebuild it with: drover state rebuild --inventory ${bundle} --cluster ${cluster})`,
    objects: [{ ref: `ConfigMap/${INVENTORY_NAMESPACE}/${inventoryName(bundle)}`, message: 'missing' }],
  });
}
