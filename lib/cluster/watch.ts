/**
 * A streaming watch on one resource type, across a namespace or the whole
 * cluster, the way an informer does it: LIST (the full set, handed to
 * `onList`), then WATCH from the list's resourceVersion with bookmarks, so a
 * reconnect resumes where the stream stopped without listing again. The
 * server ends each watch after `timeoutSeconds` and the watch reconnects; a
 * stream silent for longer than that (a dead connection) is dropped and
 * reconnected; `410 Gone` (the resourceVersion is too old) relists. Errors
 * never end the watch: they go to `onError` and the watch backs off and tries
 * again, until `stop()`. One watch holds one connection and sends no request
 * while nothing changes.
 *
 * @example
 *   const w = watchObjects(cluster, { apiVersion: 'v1', kind: 'ConfigMap', labelSelector: 'drover.dev/bundle', onList, onEvent });
 *   await w.ready;
 *   ...
 *   await w.stop();
 */
import type { IncomingMessage } from 'node:http';
import { type DroverError, toDroverError, UnavailableError } from '../errors/errors.ts';
import type { KubeObject } from '../object/ref.ts';
import type { Cluster } from './cluster.ts';
import { resourcePath } from './discovery.ts';
import { listObjects } from './get.ts';
import { kubeCause } from './kube-error.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface WatchOptions {
  apiVersion: string;
  kind: string;
  /** Omit to watch every namespace. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** The full current set after each (re)list. */
  onList: (items: KubeObject[], resourceVersion: string) => void | Promise<void>;
  onEvent: (event: WatchEvent) => void | Promise<void>;
  /** A failure the watch recovers from by itself (it backs off and reconnects). */
  onError?: (err: DroverError) => void;
  /** How long the server keeps one watch request open (default 300-600 s, spread so watches do not reconnect together). */
  timeoutSeconds?: number;
  /** Start watching from here without a first list (a list follows only if the server answers 410 Gone). */
  resourceVersion?: string;
  signal?: AbortSignal;
}

export interface WatchStats {
  lists: number;
  /** Watch requests opened (the first and every reconnect). */
  watches: number;
  events: number;
  bookmarks: number;
  /** Relists forced by 410 Gone. */
  gone: number;
  errors: number;
}

export interface Watch {
  /** Resolves once the first list is handed over and the first watch request is open. */
  ready: Promise<void>;
  stats: WatchStats;
  /** The resourceVersion the watch would resume from. */
  resourceVersion(): string | undefined;
  /** Ends the watch and waits for its loop to finish. */
  stop(): Promise<void>;
}

class GoneError extends Error {}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** What one watch's loop and its stream reader share: where it watches, its counters, and the resourceVersion to resume from. */
interface WatchState {
  cluster: Cluster;
  opts: WatchOptions;
  stats: WatchStats;
  timeoutSeconds: number;
  signal: AbortSignal;
  rv: string | undefined;
}

export function watchObjects(cluster: Cluster, opts: WatchOptions): Watch {
  const ac = new AbortController();
  const onAbort = () => ac.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const state: WatchState = {
    cluster,
    opts,
    stats: { lists: 0, watches: 0, events: 0, bookmarks: 0, gone: 0, errors: 0 },
    timeoutSeconds: opts.timeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
    signal: ac.signal,
    rv: opts.resourceVersion,
  };
  let markReady: () => void = () => {};
  let failReady: (e: unknown) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => {});
  const loop = runWatchLoop({ state, markReady, failReady });
  return {
    ready,
    stats: state.stats,
    resourceVersion: () => state.rv,
    async stop() {
      ac.abort();
      opts.signal?.removeEventListener('abort', onAbort);
      await loop;
    },
  };
}

/**
 * Lists (when there is no resourceVersion to resume from) and watches until
 * aborted: 410 Gone relists at once, any other failure goes to `onError` and
 * the loop backs off (jittered, up to 30 s) before it tries again.
 */
async function runWatchLoop({
  state,
  markReady,
  failReady,
}: {
  state: WatchState;
  markReady: () => void;
  failReady: (e: unknown) => void;
}): Promise<void> {
  const { cluster, opts, stats, signal } = state;
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (state.rv === undefined) await readFullList(state);
      const res = await openWatchStream(state);
      stats.watches++;
      markReady();
      failures = 0;
      await consumeWatchStream({ state, res });
    } catch (err) {
      if (signal.aborted) break;
      if (err instanceof GoneError || kubeCause(err)?.status === 410) {
        stats.gone++;
        state.rv = undefined;
        continue;
      }
      stats.errors++;
      failures++;
      opts.onError?.(toDroverError(err));
      await sleep(Math.min(250 * 2 ** Math.min(failures, 7), 30_000) * (0.5 + Math.random() / 2), signal);
    }
  }
  failReady(new UnavailableError(`${cluster.name}: watch ${opts.kind} stopped before it was ready`));
}

/** Lists the whole set, hands it to `onList`, and resumes from the list's resourceVersion. */
async function readFullList(state: WatchState): Promise<void> {
  const { cluster, opts } = state;
  const list = await listObjects(cluster, {
    apiVersion: opts.apiVersion,
    kind: opts.kind,
    namespace: opts.namespace,
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
    signal: state.signal,
  });
  state.stats.lists++;
  await opts.onList(list.items, list.resourceVersion);
  state.rv = list.resourceVersion;
}

/** Opens one watch request from the current resourceVersion, with bookmarks, for `timeoutSeconds`. */
async function openWatchStream(state: WatchState): Promise<IncomingMessage> {
  const { cluster, opts } = state;
  const info = await cluster.discovery.resourceFor(opts, state.signal);
  return cluster.client.stream({
    method: 'GET',
    path: resourcePath(info, opts.namespace),
    query: {
      watch: 1,
      resourceVersion: state.rv,
      allowWatchBookmarks: true,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      timeoutSeconds: state.timeoutSeconds,
    },
    subject: `${cluster.name}: watch ${opts.kind}${opts.namespace ? ` in ${opts.namespace}` : ''}`,
    signal: state.signal,
  });
}

/** Reads one watch response to its end, handing events over in order. */
function consumeWatchStream({ state, res }: { state: WatchState; res: IncomingMessage }): Promise<void> {
  const { cluster, opts } = state;
  return new Promise<void>((resolve, reject) => {
    let buf = '';
    let chain: Promise<void> = Promise.resolve();
    let failed = false;
    // A connection that died silently never ends: drop it once the server would have closed it anyway.
    const idleMs = (state.timeoutSeconds + 60) * 1000;
    let idle = setTimeout(() => res.destroy(new Error('watch stream idle')), idleMs);
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      clearTimeout(idle);
      res.destroy();
      reject(err);
    };
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      clearTimeout(idle);
      idle = setTimeout(() => res.destroy(new Error('watch stream idle')), idleMs);
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) chain = chain.then(() => handleWatchLine({ state, line })).catch(fail);
      }
    });
    res.on('end', () => {
      clearTimeout(idle);
      chain.then(() => !failed && resolve(), fail);
    });
    res.on('error', fail);
    res.on('close', () => {
      clearTimeout(idle);
      if (!res.complete)
        chain.then(() => fail(new UnavailableError(`${cluster.name}: watch ${opts.kind}: connection closed`)), fail);
    });
  });
}

/**
 * One line of a watch stream: an ERROR event fails the stream (410 as
 * GoneError, to relist), a BOOKMARK moves the resourceVersion, any other
 * event goes to `onEvent` and then moves it.
 */
async function handleWatchLine({ state, line }: { state: WatchState; line: string }): Promise<void> {
  const { cluster, opts, stats } = state;
  const ev = JSON.parse(line) as { type: string; object: KubeObject & { code?: number; message?: string } };
  if (ev.type === 'ERROR') {
    if (ev.object.code === 410) throw new GoneError(ev.object.message);
    throw new UnavailableError(`${cluster.name}: watch ${opts.kind}: ${ev.object.message ?? 'error event'}`, {
      data: { cluster: cluster.name, status: ev.object },
    });
  }
  const next = ev.object.metadata?.resourceVersion as string | undefined;
  if (ev.type === 'BOOKMARK') {
    stats.bookmarks++;
    if (next) state.rv = next;
    return;
  }
  stats.events++;
  // Watch events carry apiVersion/kind, but keep objects whole as lists do.
  await opts.onEvent({
    type: ev.type as WatchEventType,
    object: {
      ...ev.object,
      apiVersion: ev.object.apiVersion ?? opts.apiVersion,
      kind: ev.object.kind ?? opts.kind,
    },
  });
  if (next) state.rv = next;
}
