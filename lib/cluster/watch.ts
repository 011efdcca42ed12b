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

export function watchObjects(cluster: Cluster, opts: WatchOptions): Watch {
  const ac = new AbortController();
  const onAbort = () => ac.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const stats: WatchStats = { lists: 0, watches: 0, events: 0, bookmarks: 0, gone: 0, errors: 0 };
  const timeoutSeconds = opts.timeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
  let rv: string | undefined = opts.resourceVersion;
  let markReady: () => void = () => {};
  let failReady: (e: unknown) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => {});

  const loop = (async () => {
    let failures = 0;
    while (!ac.signal.aborted) {
      try {
        if (rv === undefined) {
          const list = await listObjects(cluster, {
            apiVersion: opts.apiVersion,
            kind: opts.kind,
            namespace: opts.namespace,
            labelSelector: opts.labelSelector,
            fieldSelector: opts.fieldSelector,
            signal: ac.signal,
          });
          stats.lists++;
          await opts.onList(list.items, list.resourceVersion);
          rv = list.resourceVersion;
        }
        const info = await cluster.discovery.resourceFor(opts, ac.signal);
        const res = await cluster.client.stream({
          method: 'GET',
          path: resourcePath(info, opts.namespace),
          query: {
            watch: 1,
            resourceVersion: rv,
            allowWatchBookmarks: true,
            labelSelector: opts.labelSelector,
            fieldSelector: opts.fieldSelector,
            timeoutSeconds,
          },
          subject: `${cluster.name}: watch ${opts.kind}${opts.namespace ? ` in ${opts.namespace}` : ''}`,
          signal: ac.signal,
        });
        stats.watches++;
        markReady();
        failures = 0;
        await consume(res);
      } catch (err) {
        if (ac.signal.aborted) break;
        if (err instanceof GoneError || kubeCause(err)?.status === 410) {
          stats.gone++;
          rv = undefined;
          continue;
        }
        stats.errors++;
        failures++;
        opts.onError?.(toDroverError(err));
        await sleep(Math.min(250 * 2 ** Math.min(failures, 7), 30_000) * (0.5 + Math.random() / 2), ac.signal);
      }
    }
    failReady(new UnavailableError(`${cluster.name}: watch ${opts.kind} stopped before it was ready`));
  })();

  /** Reads one watch response to its end, handing events over in order. */
  function consume(res: IncomingMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let buf = '';
      let chain: Promise<void> = Promise.resolve();
      let failed = false;
      // A connection that died silently never ends: drop it once the server would have closed it anyway.
      const idleMs = (timeoutSeconds + 60) * 1000;
      let idle = setTimeout(() => res.destroy(new Error('watch stream idle')), idleMs);
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        clearTimeout(idle);
        res.destroy();
        reject(err);
      };
      const handle = async (line: string) => {
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
          if (next) rv = next;
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
        if (next) rv = next;
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
          if (line) chain = chain.then(() => handle(line)).catch(fail);
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

  return {
    ready,
    stats,
    resourceVersion: () => rv,
    async stop() {
      ac.abort();
      opts.signal?.removeEventListener('abort', onAbort);
      await loop;
    },
  };
}
