/**
 * An informer: the objects of one resource type on one cluster (one namespace
 * or all, narrowed by selectors), kept in memory and kept current. `start()`
 * lists and then watches (lib/cluster/watch.ts: bookmarks, reconnects, a
 * relist on 410 Gone); `relist()` is the resync, one LIST now, with or
 * without a watch running, for a periodic full pass that catches whatever a
 * watch missed, or for a one-shot read with no watch at all. Every list
 * replaces the cache and every event updates it before the handler hears of
 * it, so a handler (or anyone later) reading the cache sees the newest copy
 * the informer has. It knows nothing of what the objects are for.
 *
 * @example
 *   const cms = createInformer(cluster, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', onEvent: (e) => ... });
 *   await cms.start();            // or: await cms.relist(signal) for one read
 *   cms.get({ namespace: 'shop', name: 'web' });
 *   await cms.stop();
 */
import type { DroverError } from '../errors/errors.ts';
import type { KubeObject } from '../object/ref.ts';
import type { Cluster } from './cluster.ts';
import { listObjects } from './get.ts';
import { type Watch, type WatchEvent, type WatchStats, watchObjects } from './watch.ts';

export interface InformerOptions {
  apiVersion: string;
  kind: string;
  /** Omit for every namespace. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** The watch's every (re)list, after the cache holds it. Not called for `relist()`, whose caller has the list. The watch waits for a returned promise. */
  onList?: (items: KubeObject[]) => void | Promise<void>;
  /** Every change, after the cache holds it. The watch waits for a returned promise. */
  onEvent?: (event: WatchEvent) => void | Promise<void>;
  /** A watch failure it recovers from by itself (it backs off and reconnects). */
  onError?: (err: DroverError) => void;
  /** Server-side timeout of each watch request (default 300-600 s). */
  timeoutSeconds?: number;
  /** Aborting it stops the watch and any list in flight. */
  signal?: AbortSignal;
}

export interface InformerStats extends WatchStats {
  /** LISTs sent by `relist()` (the watch's own lists are in `lists`). */
  relists: number;
}

export interface Informer {
  readonly apiVersion: string;
  readonly kind: string;
  readonly labelSelector: string | undefined;
  /** True once a list (the watch's or a relist) has filled the cache. */
  readonly synced: boolean;
  /** The cached copy, or undefined (not there, or not listed yet: see `synced`). */
  get(name: { namespace?: string; name: string }): KubeObject | undefined;
  /** Every cached object. */
  list(): KubeObject[];
  /** Lists, then watches; resolves once the first list is in the cache and the watch is streaming. */
  start(): Promise<void>;
  /** One LIST now; replaces the cache and returns what it listed. Aborted by `signal` when given (a caller's pass outlives one informer), else by `stop()`. */
  relist(signal?: AbortSignal): Promise<KubeObject[]>;
  stats(): InformerStats;
  /** Ends the watch and waits for it to finish. */
  stop(): Promise<void>;
}

const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

export function createInformer(cluster: Cluster, opts: InformerOptions): Informer {
  let cache: Map<string, KubeObject> | undefined;
  let watch: Watch | undefined;
  let relists = 0;
  const ac = new AbortController();
  const onAbort = () => ac.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const replace = (items: KubeObject[]) => {
    cache = new Map(items.map((o) => [keyOf(o.metadata.namespace, o.metadata.name), o]));
  };
  const selectors = {
    apiVersion: opts.apiVersion,
    kind: opts.kind,
    namespace: opts.namespace,
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
  };

  return {
    apiVersion: opts.apiVersion,
    kind: opts.kind,
    labelSelector: opts.labelSelector,
    get synced() {
      return cache !== undefined;
    },
    get: ({ namespace, name }) => cache?.get(keyOf(namespace, name)),
    list: () => [...(cache?.values() ?? [])],
    start() {
      watch ??= watchObjects(cluster, {
        ...selectors,
        ...(opts.timeoutSeconds ? { timeoutSeconds: opts.timeoutSeconds } : {}),
        onList: (items) => {
          replace(items);
          return opts.onList?.(items);
        },
        onEvent: (e) => {
          const objects = cache ?? new Map<string, KubeObject>();
          cache = objects;
          const key = keyOf(e.object.metadata.namespace, e.object.metadata.name);
          if (e.type === 'DELETED') objects.delete(key);
          else objects.set(key, e.object);
          return opts.onEvent?.(e);
        },
        ...(opts.onError ? { onError: opts.onError } : {}),
        signal: ac.signal,
      });
      return watch.ready;
    },
    async relist(signal) {
      const list = await listObjects(cluster, { ...selectors, signal: signal ?? ac.signal });
      relists++;
      replace(list.items);
      return list.items;
    },
    stats: () => ({
      ...(watch?.stats ?? { lists: 0, watches: 0, events: 0, bookmarks: 0, gone: 0, errors: 0 }),
      relists,
    }),
    async stop() {
      ac.abort();
      opts.signal?.removeEventListener('abort', onAbort);
      await watch?.stop();
    },
  };
}
