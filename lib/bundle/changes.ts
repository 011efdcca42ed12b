/**
 * Change detection between two commits, pure: which bundles need a new
 * version, and what changed in each. A bundle is affected only when its
 * member set or a member's content digest changed; a commit that touches a
 * bundle's files without changing any member (a comment, key order,
 * formatting, a status block) does not cut a version. The changed paths only
 * say which commit paths belong to which bundle, for provenance.
 *
 * @example
 *   const { affected } = detectChanges({ previous, current, changedPaths: ['web/cm.yaml'] });
 *   affected[0] // { name: 'web', status: 'changed', changed: [{ ref, before, after }], ... }
 */
import { formatRef, refKey, type ObjectRef } from '../object/ref.ts';

/** What change detection needs of a member; discovery's Member fits, and so does a config member plus its ref. */
export interface MemberSnapshot {
  ref: ObjectRef;
  digest: string;
  /** The file it came from, when known (a previous version read from the registry has none). */
  file?: string;
}

export interface BundleSnapshot {
  bundle: { name: string; file?: string };
  members: readonly MemberSnapshot[];
}

export interface MemberChange {
  ref: ObjectRef;
  before: string;
  after: string;
}

export interface BundleChange {
  name: string;
  /** `added`: the bundle is new; `changed`: members were added, removed or changed. */
  status: 'added' | 'changed';
  added: MemberSnapshot[];
  removed: MemberSnapshot[];
  changed: MemberChange[];
  /** The changed paths that hold this bundle's members or Bundle document (before or after), sorted. */
  changedPaths: string[];
}

export interface Changes {
  /** Bundles that need a new version, by name. */
  affected: BundleChange[];
  /** Bundles whose files were touched but whose members are all unchanged, with those paths. */
  touchedUnchanged: { name: string; changedPaths: string[] }[];
  /** Bundles whose Bundle document is gone. */
  removedBundles: string[];
}

function byName<T extends { bundle: { name: string } }>(list: readonly T[]): Map<string, T> {
  return new Map(list.map((b) => [b.bundle.name, b]));
}

function sortByRef<T extends { ref: ObjectRef }>(list: T[]): T[] {
  return list.sort((a, b) => {
    const x = formatRef(a.ref);
    const y = formatRef(b.ref);
    return x < y ? -1 : x > y ? 1 : refKey(a.ref) < refKey(b.ref) ? -1 : 1;
  });
}

/** Compares bundles before and after a set of commits. `previous` undefined means nothing was cut before. */
export function detectChanges({
  previous = [],
  current,
  changedPaths,
}: {
  previous?: readonly BundleSnapshot[];
  current: readonly BundleSnapshot[];
  changedPaths: readonly string[];
}): Changes {
  const before = byName(previous);
  const changedSet = new Set(changedPaths);
  const affected: BundleChange[] = [];
  const touchedUnchanged: Changes['touchedUnchanged'] = [];

  for (const now of [...current].sort((a, b) => (a.bundle.name < b.bundle.name ? -1 : 1))) {
    const then = before.get(now.bundle.name);
    const old = new Map((then?.members ?? []).map((m) => [refKey(m.ref), m]));
    const added: MemberSnapshot[] = [];
    const changed: MemberChange[] = [];
    const seen = new Set<string>();
    for (const m of now.members) {
      const key = refKey(m.ref);
      seen.add(key);
      const o = old.get(key);
      if (!o) added.push(m);
      else if (o.digest !== m.digest) changed.push({ ref: m.ref, before: o.digest, after: m.digest });
    }
    const removed = [...old].filter(([key]) => !seen.has(key)).map(([, m]) => m);

    const files = new Set<string>();
    for (const f of [
      now.bundle.file,
      then?.bundle.file,
      ...now.members.map((m) => m.file),
      ...(then?.members ?? []).map((m) => m.file),
    ]) {
      if (f !== undefined && changedSet.has(f)) files.add(f);
    }
    const paths = [...files].sort();

    if (!then || added.length > 0 || removed.length > 0 || changed.length > 0) {
      affected.push({
        name: now.bundle.name,
        status: then ? 'changed' : 'added',
        added: sortByRef(added),
        removed: sortByRef(removed),
        changed: sortByRef(changed),
        changedPaths: paths,
      });
    } else if (paths.length > 0) {
      touchedUnchanged.push({ name: now.bundle.name, changedPaths: paths });
    }
  }
  const names = new Set(current.map((b) => b.bundle.name));
  const removedBundles = [...before.keys()].filter((n) => !names.has(n)).sort();
  return { affected, touchedUnchanged, removedBundles };
}
