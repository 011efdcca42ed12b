/**
 * lib/events: the Kubernetes Events of a bundle's members and their children.
 * Pure: `readEvent` flattens either Event API, `assembleTimeline` ties Events
 * to members through ownerReferences and generated names, `versionAt` says
 * which version a cluster ran at a moment, `orderEvents` orders across
 * clusters, `fatalEvents` picks the Warnings that explain a failure. I/O:
 * `readTimeline` lists a cluster, `recordBundleEvents` stores a bundle's
 * Events with their versions, `explainFailure` serves the release engine.
 *
 * @example
 *   await recordBundleEvents({ db, cluster, bundle: 'web', members, running: '1.0.0' });
 */
export { type EventObject, type KubeEvent, readEvent } from './event-record.ts';
export { explainFailure, type ExplainFailureOptions } from './explain.ts';
export { aboutMember, assembleFamily, type About, type Family, type Via } from './family.ts';
export { describeFatalEvents, type FatalEvent, fatalEvents } from './fatal-events.ts';
export { childKindsOf, isGeneratedChildName } from './generated-names.ts';
export { type Ordered, orderEvents } from './order.ts';
export { childKindsByNamespace, type ListCache, readTimeline, type ReadTimelineOptions } from './read-timeline.ts';
export {
  assembleEventRows,
  type RecordBundleEventsOptions,
  type RecordedEvents,
  recordBundleEvents,
} from './record.ts';
export { assembleTimeline, type AssembleTimelineOptions, type TimelineEntry } from './timeline.ts';
export { type ReleaseSpan, versionAt } from './version-at.ts';
