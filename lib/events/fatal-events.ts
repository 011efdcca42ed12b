/**
 * The Warning Events that explain a failure, briefly: from a timeline of the
 * failed object and its children, the Warnings seen since the release began,
 * folded by reason and message (three Pods backing off are one line naming
 * the first Pod and how many more), newest first, at most a few. Pure.
 *
 * @example
 *   fatalEvents(timeline, { sinceMs })
 *   // => [{ reason: 'BackOff', message: 'Back-off restarting failed container', objects: ['Pod/shop/web-d7b5b5c65-rqv8b'], count: 1, lastAt: '...' }]
 *   describeFatalEvents(fatalEvents(timeline, { sinceMs }))
 *   // => 'BackOff on Pod/shop/web-d7b5b5c65-rqv8b: Back-off restarting failed container'
 */
import { timeMs, wholeSeconds } from './event-record.ts';
import type { TimelineEntry } from './timeline.ts';

export interface FatalEvent {
  reason: string;
  message: string;
  /** `Kind/ns/name` of every object that reported it, first seen first. */
  objects: string[];
  /** Occurrences over all those objects. */
  count: number;
  lastAt: string;
}

/** The end of the moment an Event time stands for (whole-second stamps cover their whole second). */
const endMs = (iso: string) => timeMs(iso) + (wholeSeconds(iso) ? 999 : 0);

export function fatalEvents(
  entries: readonly TimelineEntry[],
  { sinceMs = 0, limit = 3 }: { sinceMs?: number; limit?: number } = {},
): FatalEvent[] {
  const byText = new Map<string, FatalEvent>();
  for (const { event, object } of entries) {
    if (event.type !== 'Warning' || !(endMs(event.lastAt) >= sinceMs)) continue;
    const key = `${event.reason}\u0000${event.message}`;
    const f = byText.get(key);
    if (!f) {
      byText.set(key, {
        reason: event.reason,
        message: event.message,
        objects: [object],
        count: event.count,
        lastAt: event.lastAt,
      });
      continue;
    }
    if (!f.objects.includes(object)) f.objects.push(object);
    f.count += event.count;
    if (timeMs(event.lastAt) > timeMs(f.lastAt)) f.lastAt = event.lastAt;
  }
  return [...byText.values()].sort((a, b) => timeMs(b.lastAt) - timeMs(a.lastAt) || b.count - a.count).slice(0, limit);
}

/** One line: `BackOff on Pod/shop/web-x (and 2 more): Back-off restarting failed container; ...`. */
export function describeFatalEvents(events: readonly FatalEvent[]): string {
  return events
    .map(
      (e) =>
        `${e.reason} on ${e.objects[0]}${e.objects.length > 1 ? ` (and ${e.objects.length - 1} more)` : ''}${e.message ? `: ${e.message}` : ''}`,
    )
    .join('; ');
}
