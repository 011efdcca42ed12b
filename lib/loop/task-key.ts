/**
 * The key of a piece of the daemon's work: `source:<name>` (cut the source)
 * or `bundle:<name>` (reconcile the bundle). The same key names a task on
 * the work queue, its lock (an API action on a bundle takes the loop's lock
 * for it) and its series of `drover_task_errors_total`, so keys are made by
 * the two constructors here and read by the parser, never put together or
 * cut apart by hand.
 *
 * @example
 *   bundleKey('web'); // 'bundle:web'
 *   parseTaskKey('source:shop'); // { kind: 'source', name: 'shop' }
 */

export type TaskKind = 'bundle' | 'source';

export type TaskKey = `${TaskKind}:${string}`;

/** What a task key names. */
export interface Task {
  kind: TaskKind;
  name: string;
}

/** The key of a bundle's reconcile. */
export const bundleKey = (bundle: string): TaskKey => `bundle:${bundle}`;

/** The key of a source's cut. */
export const sourceKey = (source: string): TaskKey => `source:${source}`;

/** The task a key names (the name is everything after the first colon), or undefined when it is not a task key. */
export function parseTaskKey(key: string): Task | undefined {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  if (colon < 0 || (kind !== 'bundle' && kind !== 'source')) return undefined;
  return { kind, name: key.slice(colon + 1) };
}
