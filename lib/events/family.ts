/**
 * A bundle's family on one cluster: its members, and the live objects that
 * descend from them through ownerReferences (a Deployment's ReplicaSets, their
 * Pods; a StatefulSet's, DaemonSet's or Job's Pods; a CronJob's Jobs), each
 * tied to the member it comes from. `aboutMember` says which member an Event
 * is about:
 * - `member`: the Event names a member (kind, namespace, name; group too when
 *   the Event says its apiVersion);
 * - `owner`: it names a live descendant (by uid, or by name when it has none);
 * - `name`: it names an object that is gone but whose name is the one a
 *   member's or descendant's controller gives its children (see
 *   generated-names.ts). Never an object that is live and not in the family:
 *   a listed object with the Event's uid that descends from no member is
 *   someone else's.
 * Pure: the objects are listed elsewhere.
 *
 * @example
 *   const f = assembleFamily({ members: [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }], objects: [...replicaSets, ...pods] });
 *   aboutMember(f, backOff.object) // => { member: 'Deployment/shop/web', object: 'Pod/shop/web-d7b5b5c65-rqv8b', via: 'owner' }
 */
import { formatRef, groupOf, type KubeObject, type ObjectId } from '../object/ref.ts';

import type { EventObject } from './event-record.ts';
import { GENERATED_CHILDREN, isGeneratedChildName } from './generated-names.ts';

/** A member as the inventory names it. */

interface Node {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
  /** `Kind/ns/name` of the member this node is or descends from. */
  member: string;
}

export interface Family {
  members: Node[];
  /** Live descendants of members, by uid. */
  byUid: Map<string, Node>;
  /** Members and live descendants, by `kind|namespace|name`. */
  byName: Map<string, Node[]>;
  /** uids of listed objects that descend from no member. */
  foreign: Set<string>;
}

export type FamilyVia = 'member' | 'owner' | 'name';

export interface About {
  /** `Kind/ns/name` of the member. */
  member: string;
  /** `Kind/ns/name` of the object the Event names. */
  object: string;
  via: FamilyVia;
}

interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
}

const OWNER_KINDS = [...new Set(Object.keys(GENERATED_CHILDREN).map((k) => k.slice(k.indexOf('/') + 1)))];
const nameKey = (kind: string, namespace: string, name: string) => `${kind}|${namespace}|${name}`;

/**
 * Members plus the listed objects that descend from them. `objects` are
 * whatever was listed in the members' namespaces (ReplicaSets, Pods, Jobs);
 * the ones descending from no member are remembered as foreign.
 */
export function assembleFamily({
  members,
  objects,
}: {
  members: readonly ObjectId[];
  objects: readonly KubeObject[];
}): Family {
  const family: Family = { members: [], byUid: new Map(), byName: new Map(), foreign: new Set() };
  const add = (n: Node) => {
    const k = nameKey(n.kind, n.namespace, n.name);
    family.byName.set(k, [...(family.byName.get(k) ?? []), n]);
    if (n.uid) family.byUid.set(n.uid, n);
  };
  for (const m of members) {
    const node: Node = {
      group: groupOf(m.apiVersion),
      kind: m.kind,
      namespace: m.namespace,
      name: m.name,
      member: formatRef(m),
    };
    family.members.push(node);
    add(node);
  }
  // Walk down one generation per pass; owners always come before their children in the family.
  let pending = objects.filter((o) => typeof o.metadata.uid === 'string');
  for (let changed = true; changed && pending.length > 0;) {
    changed = false;
    const rest: KubeObject[] = [];
    for (const o of pending) {
      const owner = ownerIn(family, o);
      if (!owner) {
        rest.push(o);
        continue;
      }
      add({
        group: groupOf(o.apiVersion),
        kind: o.kind,
        namespace: o.metadata.namespace ?? '',
        name: o.metadata.name,
        uid: o.metadata.uid as string,
        member: owner.member,
      });
      changed = true;
    }
    pending = rest;
  }
  for (const o of pending) family.foreign.add(o.metadata.uid as string);
  return family;
}

/** The family node that owns `o`, by uid, or by kind and name for an owner known without uid (a member). */
function ownerIn(family: Family, o: KubeObject): Node | undefined {
  const ns = o.metadata.namespace ?? '';
  for (const ref of (o.metadata.ownerReferences ?? []) as OwnerReference[]) {
    const byUid = ref.uid ? family.byUid.get(ref.uid) : undefined;
    if (byUid) return byUid;
    if (!ref.kind || !ref.name) continue;
    const named = (family.byName.get(nameKey(ref.kind, ns, ref.name)) ?? []).find(
      (n) => !n.uid && n.group === groupOf(ref.apiVersion ?? ''),
    );
    if (named) return named;
  }
  return undefined;
}

/** Which member an Event's object is, or descends from; null when it is none of the bundle's. */
export function aboutMember(
  family: Family,
  object: EventObject,
  { inferGone = true }: { inferGone?: boolean } = {},
): About | null {
  const ref = formatRef(object);
  const group = object.apiVersion === undefined ? undefined : groupOf(object.apiVersion);
  const sameGroup = (n: Node) => group === undefined || n.group === group;

  const member = family.members.find(
    (m) => m.kind === object.kind && m.namespace === object.namespace && m.name === object.name && sameGroup(m),
  );
  if (member) return { member: member.member, object: ref, via: 'member' };

  if (object.uid) {
    const live = family.byUid.get(object.uid);
    if (live) return { member: live.member, object: ref, via: 'owner' };
    if (family.foreign.has(object.uid)) return null;
  } else {
    const live = (family.byName.get(nameKey(object.kind, object.namespace, object.name)) ?? []).find(
      (n) => n.uid && sameGroup(n),
    );
    if (live) return { member: live.member, object: ref, via: 'owner' };
  }

  if (!inferGone) return null;
  // Gone: named as its would-be owner's controller names children. Members and live descendants can be
  // owners; the owner's name is the object's name cut at one of its dashes.
  for (let i = object.name.indexOf('-'); i > 0; i = object.name.indexOf('-', i + 1)) {
    const prefix = object.name.slice(0, i);
    for (const kind of OWNER_KINDS) {
      const owner = (family.byName.get(nameKey(kind, object.namespace, prefix)) ?? []).find((n) =>
        isGeneratedChildName({ owner: n, child: object }),
      );
      if (owner) return { member: owner.member, object: ref, via: 'name' };
    }
  }
  return null;
}
