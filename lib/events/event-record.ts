/**
 * One Kubernetes Event read into a flat record, whichever API wrote it. The
 * apiserver keeps one Event resource and serves it as core/v1 and as
 * events.k8s.io/v1; writers fill different fields. What this cluster's
 * components write (kube 1.36, KWOK 0.8):
 * - controller-manager (deployment-, replicaset-, job-controller...) and KWOK
 *   (`kwok_controller`, e.g. the Warning `BackOff` of a crash-looping Pod)
 *   use the core/v1 recorder: `involvedObject`, `message`, `count`,
 *   `firstTimestamp`/`lastTimestamp` at second precision, `source.component`
 *   (KWOK's `involvedObject` has no apiVersion);
 * - the scheduler (`Scheduled`, `FailedScheduling`) uses events.k8s.io/v1:
 *   `eventTime` in microseconds, repeats in `series`, no first/last
 *   timestamps, `reportingComponent`.
 * Either shape, listed through either API, reads to the same record. Pure.
 *
 * @example
 *   readEvent(list.items[0])
 *   // => { uid: '1c7a…', type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container',
 *   //      object: { kind: 'Pod', namespace: 'shop', name: 'web-7d9f-x2k9p', uid: '3f64…' }, count: 1,
 *   //      firstAt: '2026-11-25T10:21:53Z', lastAt: '2026-11-25T10:21:53Z', source: 'kwok_controller', resourceVersion: '1115' }
 */
import type { KubeObject } from '../object/ref.ts';

/** The object an Event is about. */
export interface EventObject {
  /** Missing on some writers' Events (KWOK's). */
  apiVersion?: string;
  kind: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
  uid?: string;
}

export interface KubeEvent {
  /** The Event's own uid: unique per cluster, stable while its count grows. */
  uid: string;
  /** `Normal` or `Warning` (free text in the API). */
  type: string;
  reason: string;
  message: string;
  object: EventObject;
  /** How many times it happened (1 for a single occurrence). */
  count: number;
  /** ISO times as the API gave them: second precision for core/v1 writers, microseconds for events.k8s.io/v1. */
  firstAt: string;
  lastAt: string;
  /** The component that reported it. */
  source: string;
  /** The Event's resourceVersion when read; orders Events of one cluster created in the same second. */
  resourceVersion: string;
}

interface RawRef {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The Event as a flat record, or null when it names no object or has no uid (not an Event we can store). */
export function readEvent(e: KubeObject): KubeEvent | null {
  const about = (e.involvedObject ?? e.regarding) as RawRef | undefined;
  const uid = str(e.metadata.uid);
  if (!about || !uid || !str(about.kind) || !str(about.name)) return null;
  const series = e.series as { count?: number; lastObservedTime?: string } | undefined;
  const source = e.source as { component?: string } | undefined;
  const deprecatedSource = e.deprecatedSource as { component?: string } | undefined;
  const firstAt =
    str(e.firstTimestamp) ??
    str(e.deprecatedFirstTimestamp) ??
    str(e.eventTime) ??
    str(e.metadata.creationTimestamp) ??
    '';
  const lastAt = latest([
    str(e.lastTimestamp),
    str(e.deprecatedLastTimestamp),
    str(series?.lastObservedTime),
    str(e.eventTime),
    firstAt,
  ]);
  const count =
    typeof series?.count === 'number'
      ? series.count
      : typeof e.count === 'number'
        ? e.count
        : typeof e.deprecatedCount === 'number'
          ? e.deprecatedCount
          : 1;
  return {
    uid,
    type: str(e.type) ?? 'Normal',
    reason: str(e.reason) ?? '',
    message: str(e.message) ?? str(e.note) ?? '',
    object: {
      ...(str(about.apiVersion) ? { apiVersion: about.apiVersion } : {}),
      kind: about.kind!,
      namespace: about.namespace ?? '',
      name: about.name!,
      ...(str(about.uid) ? { uid: about.uid } : {}),
    },
    count: Math.max(1, count),
    firstAt,
    lastAt,
    source:
      str(e.reportingComponent) ??
      str(e.reportingController) ??
      str(source?.component) ??
      str(deprecatedSource?.component) ??
      '',
    resourceVersion: str(e.metadata.resourceVersion) ?? '',
  };
}

/** Milliseconds since the epoch of an ISO time; NaN when unreadable. */
export const timeMs = (iso: string): number => Date.parse(iso);

/** True when an ISO time carries only whole seconds (core/v1 timestamps). */
export const wholeSeconds = (iso: string): boolean => !/\.\d/.test(iso);

function latest(times: (string | undefined)[]): string {
  let best = '';
  for (const t of times) if (t !== undefined && (best === '' || timeMs(t) > timeMs(best))) best = t;
  return best;
}
