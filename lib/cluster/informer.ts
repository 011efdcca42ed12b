/**
 * An informer: the objects of one resource type on one cluster (optionally
 * narrowed by a label selector), kept in memory by key and fed either by a
 * one-off LIST (`replace`) or by a watch (`watch`: list, then stream, as
 * watch.ts does). It knows nothing of what the objects mean; its owner
 * reads the cache (`get`) and is called after each change has been applied
 * to it, so what it reads is never older than the event it handles.
 *
 * @example
 *   const cms = createInformer({ cluster, apiVersion: 'v1', kind: 'ConfigMap', labelSelector: 'drover.dev/bundle' });
 *   cms.watch({ onList: (items) => ..., onEvent: (e) => ... });
 *   await cms.ready;
 *   cms.get(refKey(ref)) // the live object, or undefined
 */
import type { DroverError } from '../errors/errors.ts';
import { type KubeObject, keyOf } from '../object/ref.ts';
import type { Cluster } from './cluster.ts';
import { type Watch, type WatchEvent, type WatchStats, watchObjects } from './watch.ts';

export interface Informer {
  readonly apiVersion: string;
  readonly kind: string;
  /** Whether a list or a watch has filled the cache yet. */
  readonly synced: boolean;
  /** The object with that key (`refKey`), when the cache has it. */
  get(key: string): KubeObject | undefined;
  /** Sets the cache to exactly these objects (a LIST's answer). */
  replace(items: readonly KubeObject[]): void;
  /** Sets or deletes one object. */
  set(key: string, object: KubeObject | undefined): void;
  /** Starts the watch; its lists replace the cache, its events update it, then the owner is called. */
  watch(opts: { onList: (items: KubeObject[]) => void; onEvent: (e: WatchEvent) => void; onError?: (err: DroverError) => void; timeoutSeconds?: number; signal?: AbortSignal }): void;
  /** Resolves once the watch has listed and streams (at once when not watching). */
  readonly ready: Promise<void>;
  readonly stats: WatchStats | undefined;
  stop(): Promise<void>;
}

export function createInformer({ cluster, apiVersion, kind, namespace, labelSelector }: { cluster: Cluster; apiVersion: string; kind: string; namespace?: string; labelSelector?: string }): Informer {
  let objects: Map<string, KubeObject> | undefined;
  let w: Watch | undefined;
  const replace = (items: readonly KubeObject[]) => {
    objects = new Map(items.map((o) => [keyOf(o), o]));
  };
  const set = (key: string, object: KubeObject | undefined) => {
    objects ??= new Map();
    if (object) objects.set(key, object);
    else objects.delete(key);
  };
  return {
    apiVersion,
    kind,
    get synced() {
      return objects !== undefined;
    },
    get: (key) => objects?.get(key),
    replace,
    set,
    watch({ onList, onEvent, onError, timeoutSeconds, signal }) {
      w = watchObjects(cluster, {
        apiVersion,
        kind,
        ...(namespace ? { namespace } : {}),
        ...(labelSelector ? { labelSelector } : {}),
        ...(timeoutSeconds ? { timeoutSeconds } : {}),
        onList: (items) => {
          replace(items);
          onList(items);
        },
        onEvent: (e) => {
          set(keyOf(e.object), e.type === 'DELETED' ? undefined : e.object);
          onEvent(e);
        },
        ...(onError ? { onError } : {}),
        ...(signal ? { signal } : {}),
      });
    },
    get ready() {
      return w ? w.ready : Promise.resolve();
    },
    get stats() {
      return w?.stats;
    },
    stop: async () => {
      await w?.stop();
    },
  };
}
