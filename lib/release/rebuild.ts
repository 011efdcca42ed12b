/**
 * Rebuilding a bundle's inventory on a cluster from what is known elsewhere:
 * the version the journal says runs there, the live objects carrying the
 * bundle's labels (`drover.dev/bundle=<bundle>`, or `drover.dev/bundle.<bundle>`
 * on a shared one), and the journal's record of which objects its releases
 * created. An object the journal shows Drover created is `created`; any
 * other is "adopted, prior state unknown" (`priorUnknown`): never deleted,
 * only released, since nothing proves Drover brought it. A member that is
 * absent, or present without the bundle's labels, is left out (it is the
 * next release's to judge). Pure; the verb reads and writes (verbs/state-rebuild.ts).
 *
 * @example
 *   rebuildEntries({ bundle: 'web', members, live, created: new Set(['ConfigMap/shop/web']) })
 *   // => [{ kind: 'ConfigMap', name: 'web', origin: 'created', ... }, { kind: 'Secret', origin: 'adopted', priorUnknown: true, ... }]
 */
import { formatRef, idOf, type KubeObject, keyOf } from '../object/ref.ts';
import type { ReleaseStep } from '../state/releases.ts';
import type { InventoryEntry } from './inventory.ts';
import { BUNDLE_LABEL, sharedLabel } from './ownership.ts';

/** Refs the journal's steps record as created by a release (the change sets of `verifying` steps). Pure. */
export function createdInJournal(steps: readonly ReleaseStep[]): Set<string> {
  const out = new Set<string>();
  for (const s of steps) {
    const changed = (s.data as { changed?: { ref: string; action: string }[] } | undefined)?.changed;
    if (Array.isArray(changed)) for (const c of changed) if (c.action === 'created') out.add(c.ref);
  }
  return out;
}

export function rebuildEntries({
  bundle,
  members,
  live,
  created,
}: {
  bundle: string;
  members: readonly KubeObject[];
  live: ReadonlyMap<string, KubeObject | null>;
  created: ReadonlySet<string>;
}): InventoryEntry[] {
  const out: InventoryEntry[] = [];
  for (const m of members) {
    const l = live.get(keyOf(m));
    if (!l) continue;
    const labels = l.metadata.labels ?? {};
    const shared = labels[sharedLabel(bundle)] !== undefined;
    if (labels[BUNDLE_LABEL] !== bundle && !shared) continue;
    const id = idOf(m);
    const proven = created.has(formatRef(id));
    if (shared) out.push({ ...id, origin: 'shared', ...(proven ? { createdByDrover: true } : {}) });
    else out.push(proven ? { ...id, origin: 'created' } : { ...id, origin: 'adopted', priorUnknown: true });
  }
  return out;
}
