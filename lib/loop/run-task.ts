/**
 * What one task on the daemon's work queue does, read from its key
 * (task-key.ts): a source's task cuts the source (so its Git server
 * answers, and the registry too when a version was pushed) and wakes each
 * bundle it cut a new version of; a bundle's task reconciles the bundle
 * (reconcile-bundle.ts) and asks to run again when a promotion comes due.
 * Each run is timed in `drover_reconcile_duration_seconds`. A failed task is
 * counted, told to the dependency tracker (an unreachable Git server is the
 * source's) and logged, at debug once shutdown has aborted the work; the
 * queue retries it with backoff.
 *
 * @example
 *   const queue = createWorkQueue({ concurrency, run: (key) => runTask({ ctx, key, wakeBundle }), onError: (e) => reportTaskError({ ctx, ...e }) });
 */
import { toDroverError } from '../errors/errors.ts';
import type { TaskOutcome } from '../schedule/work-queue.ts';
import { cutSourceAction } from './actions.ts';
import type { LoopContext } from './loop-context.ts';
import { reconcileBundle } from './reconcile-bundle.ts';
import { parseTaskKey } from './task-key.ts';

export async function runTask({
  ctx,
  key,
  wakeBundle,
}: {
  ctx: LoopContext;
  key: string;
  wakeBundle: (bundle: string) => void;
}): Promise<TaskOutcome | void> {
  const task = parseTaskKey(key);
  if (!task) throw new TypeError(`not a task key: ${key}`);
  const { ws, log, metrics, deps } = ctx;
  const name = task.name;
  const t0 = performance.now();
  try {
    if (task.kind === 'source') {
      const source = ws.config.sources.find((s) => s.name === name);
      if (!source) return;
      const r = await cutSourceAction(ctx, { source });
      deps.up('git', name);
      if (r.cut.length > 0) deps.up('registry');
      for (const c of r.cut) wakeBundle(c.bundle);
      return;
    }
    const r = await reconcileBundle(ctx, { bundle: name });
    for (const h of r.held)
      log.debug(`${name} held in ${h.environment}: ${h.reason}`, { bundle: name, environment: h.environment });
    return r.wakeAtMs !== undefined ? { requeueAfterMs: Math.max(0, r.wakeAtMs - Date.now()) } : undefined;
  } finally {
    metrics.reconcileDuration.observe(
      { task: task.kind === 'source' ? 'cut' : 'bundle' },
      (performance.now() - t0) / 1000,
    );
  }
}

/** A task failed and is retried in `retryInMs`: counted, its unreachable dependency marked down, logged. */
export function reportTaskError({
  ctx,
  key,
  error,
  attempt,
  retryInMs,
}: {
  ctx: LoopContext;
  key: string;
  error: unknown;
  attempt: number;
  retryInMs: number;
}): void {
  const task = parseTaskKey(key);
  ctx.metrics.taskErrors.inc({ key });
  if (!ctx.signal.aborted) ctx.failing?.failed(key, attempt, error);
  ctx.deps.observe(error, task?.kind === 'source' ? { source: task.name } : {});
  ctx.log[ctx.signal.aborted ? 'debug' : 'error'](
    `${key} failed (attempt ${attempt}, retry in ${Math.round(retryInMs / 1000)}s): ${toDroverError(error).message}`,
    { key, attempt, retryInMs, error: toDroverError(error) },
  );
}
