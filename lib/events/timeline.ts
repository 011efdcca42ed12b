/**
 * The Events of a bundle on one cluster: listed Events in, the ones about a
 * member or a member's child out, each with the member it explains, in time
 * order. Events that name no object of the bundle are dropped; so are
 * Events read twice (one uid, once). Pure: see family.ts for how an Event's
 * object is tied to a member, order.ts for the order.
 *
 * @example
 *   assembleTimeline({ members, objects: [...replicaSets, ...pods], events: list.items })
 *   // => [{ event: { reason: 'ScalingReplicaSet', ... }, member: 'Deployment/shop/web', object: 'Deployment/shop/web', via: 'member' },
 *   //     { event: { reason: 'BackOff', ... }, member: 'Deployment/shop/web', object: 'Pod/shop/web-d7b5b5c65-rqv8b', via: 'name' }]
 */
import type { KubeObject, ObjectId } from '../object/ref.ts';
import { type KubeEvent, readEvent } from './event-record.ts';

import { aboutMember, assembleFamily, type FamilyVia } from './family.ts';
import { orderEvents } from './order.ts';

export interface TimelineEntry {
  event: KubeEvent;
  /** `Kind/ns/name` of the member the Event is about, itself or through a child. */
  member: string;
  /** `Kind/ns/name` of the object the Event names. */
  object: string;
  via: FamilyVia;
}

export interface AssembleTimelineOptions {
  members: readonly ObjectId[];
  /** Objects listed in the members' namespaces that may descend from them (ReplicaSets, Pods, Jobs). */
  objects: readonly KubeObject[];
  /** Events as listed (core/v1 or events.k8s.io/v1). */
  events: readonly KubeObject[];
  /** Tie Events of gone children by their generated names (default true). */
  inferGone?: boolean;
}

export function assembleTimeline({
  members,
  objects,
  events,
  inferGone = true,
}: AssembleTimelineOptions): TimelineEntry[] {
  const family = assembleFamily({ members, objects });
  const seen = new Set<string>();
  const out: TimelineEntry[] = [];
  for (const raw of events) {
    const event = readEvent(raw);
    if (!event || seen.has(event.uid)) continue;
    seen.add(event.uid);
    const about = aboutMember(family, event.object, { inferGone });
    if (about) out.push({ event, ...about });
  }
  const order = orderEvents(out.map((e) => ({ cluster: '', ...e.event })));
  const byUid = new Map(out.map((e) => [e.event.uid, e]));
  return order.map((o) => byUid.get(o.uid)!);
}
