/**
 * `metadata.managedFields` as data, pure: which field managers an object has,
 * an entry renamed (moving an object from Drover's single manager `drover`
 * to a bundle's `drover/<bundle>`, as client-go's csaupgrade moves
 * client-side applies to server-side ones), and an entry dropped (releasing
 * an object while keeping its values). Only non-apply writes may set
 * managedFields; lib/cluster/patch.ts sends them.
 *
 * @example
 *   renameManager(live.metadata.managedFields, { from: 'drover', to: 'drover/web' })
 */

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
  [key: string]: unknown;
}

/** The object's managedFields, or an empty list. */
export function managedFieldsOf(obj: { metadata: Record<string, unknown> }): ManagedFieldsEntry[] {
  const m = obj.metadata.managedFields;
  return Array.isArray(m) ? (m as ManagedFieldsEntry[]) : [];
}

/** True when `manager` has an entry (for the main resource, not a subresource such as status). */
export const hasManager = (entries: readonly ManagedFieldsEntry[], manager: string): boolean =>
  entries.some((e) => e.manager === manager && !e.subresource);

/**
 * The entries with `from`'s apply entries renamed to `to`, or null when
 * there is nothing to move (no `from` entry, or `to` has its own already: the
 * two are not merged, `from` is then left as it is).
 */
export function renameManager(
  entries: readonly ManagedFieldsEntry[],
  { from, to }: { from: string; to: string },
): ManagedFieldsEntry[] | null {
  if (!entries.some((e) => e.manager === from && e.operation === 'Apply' && !e.subresource)) return null;
  if (hasManager(entries, to)) return null;
  return entries.map((e) =>
    e.manager === from && e.operation === 'Apply' && !e.subresource ? { ...e, manager: to } : e,
  );
}

/**
 * The entries without any of `managers` (main resource only). An empty
 * result is `[{}]`: an empty list leaves managedFields as they were, a list
 * of one empty entry clears them.
 */
export function withoutManagers(
  entries: readonly ManagedFieldsEntry[],
  managers: readonly string[],
): ManagedFieldsEntry[] {
  const kept = entries.filter((e) => !(managers.includes(e.manager ?? '') && !e.subresource));
  return kept.length > 0 ? kept : [{}];
}
