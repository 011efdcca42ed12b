/**
 * What starts the daemon's work. A source is woken by its cron schedule, by
 * a watch of its refs when it is a local repository (a commit wakes it
 * within the debounce), by a webhook or the API, at startup, and when the
 * part it waited on answers again; every bundle is woken by the periodic
 * resync, so each is reconciled at least every `resyncSeconds` whatever else
 * woke it, and when the registry or a cluster answers again. A wake only
 * queues the task's key (task-key.ts), and a source's wake is counted in
 * `drover_source_wakes_total` by trigger; the queue runs the task.
 *
 * @example
 *   const wakes = createWakes({ queue, ws, metrics });
 *   const triggers = startTriggers({ ws, log, wakes, resyncSeconds: 60, signal });
 *   await triggers.stop();
 */
import cron from 'node-cron';
import type { SourceConfig } from '../config/config.ts';
import { toDroverError } from '../errors/errors.ts';
import type { WorkQueue } from '../schedule/work-queue.ts';
import { checkSchedule, watchSource } from '../source/index.ts';
import { listBundles } from '../state/versions.ts';
import { openConfiguredSource } from '../repo/configured-source.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { DaemonHandle } from './daemon-handle.ts';
import type { DependencyKind } from './dependencies.ts';
import type { Logger } from './log.ts';
import type { ServeMetrics } from './serve-metrics.ts';
import { bundleKey, sourceKey } from './task-key.ts';

export interface Wakes {
  wakeSource: DaemonHandle['wakeSource'];
  wakeBundle: DaemonHandle['wakeBundle'];
  wakeAllBundles(): void;
}

/** Stops a trigger; what it returns is awaited at shutdown. */
type Stop = () => Promise<void> | void;

/** The ways to queue work, for the triggers below and for the interfaces (webhooks, the API). */
export function createWakes({
  queue,
  ws,
  metrics,
}: {
  queue: Pick<WorkQueue, 'add'>;
  ws: Workspace;
  metrics: ServeMetrics;
}): Wakes {
  const wakeBundle = (name: string) => queue.add(bundleKey(name));
  return {
    wakeSource: (name, trigger) => {
      metrics.sourceWakes.inc({ source: name, trigger });
      queue.add(sourceKey(name));
    },
    wakeBundle,
    wakeAllBundles: () => listBundles(ws.db).forEach((b) => wakeBundle(b.name)),
  };
}

/**
 * A part that was down answers again: whatever waited on it is woken now,
 * not at the end of its backoff (a Git server its source; the registry every
 * source; the registry or a cluster every bundle).
 */
export function wakeRecovered({
  wakes,
  sources,
  kind,
  name,
}: {
  wakes: Wakes;
  sources: readonly SourceConfig[];
  kind: DependencyKind;
  name: string;
}): void {
  if (kind === 'git') wakes.wakeSource(name, 'recovered');
  if (kind === 'registry') sources.forEach((s) => wakes.wakeSource(s.name, 'recovered'));
  if (kind !== 'git') wakes.wakeAllBundles();
}

/** Starts every source's schedule and file watch, and the resync; `stop()` resolves when they have all stopped. */
export function startTriggers({
  ws,
  log,
  wakes,
  resyncSeconds,
  signal,
}: {
  ws: Workspace;
  log: Logger;
  wakes: Wakes;
  resyncSeconds: number;
  /** Aborted when the daemon stops taking work: ends the file watches. */
  signal: AbortSignal;
}): { stop(): Promise<void> } {
  const stops: Stop[] = [];
  for (const sc of ws.config.sources) {
    stops.push(scheduleSource({ sc, wakes }));
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(sc.url)) watchLocalSource({ ws, sc, log, wakes, signal, stops });
  }
  const resync = setInterval(wakes.wakeAllBundles, resyncSeconds * 1000);
  resync.unref();
  stops.push(() => clearInterval(resync));
  return {
    stop: async () => {
      await Promise.allSettled(stops.map((s) => s()));
    },
  };
}

/** The source's cron schedule wakes it. */
function scheduleSource({ sc, wakes }: { sc: SourceConfig; wakes: Wakes }): Stop {
  const task = cron.schedule(checkSchedule(sc.schedule), () => wakes.wakeSource(sc.name, 'schedule'), {
    noOverlap: true,
    name: `drover-serve:${sc.name}`,
    logger: { info() {}, warn() {}, error() {}, debug() {} },
  });
  return () => task.destroy();
}

/**
 * A local repository: its refs are watched, and a commit wakes the source
 * within the debounce. The watch opens in the background; its stop joins
 * `stops` once it is open.
 */
function watchLocalSource({
  ws,
  sc,
  log,
  wakes,
  signal,
  stops,
}: {
  ws: Workspace;
  sc: SourceConfig;
  log: Logger;
  wakes: Wakes;
  signal: AbortSignal;
  stops: Stop[];
}): void {
  void openConfiguredSource({ ws, sc })
    .then((source) =>
      watchSource({
        source,
        watchFiles: true,
        onChange: () => wakes.wakeSource(sc.name, 'fs'),
        onError: (e) => log.warn(`watching ${sc.name}: ${e.message}`, { source: sc.name }),
        signal,
      }),
    )
    .then((w) => stops.push(() => w.closed))
    .catch((err: unknown) => log.error(`cannot watch ${sc.name}: ${toDroverError(err).message}`, { source: sc.name }));
}
