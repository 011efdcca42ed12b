/**
 * Recovery before the daemon takes work: every release a previous process
 * left unfinished (killed mid-release, or stopped after aborting one) is
 * marked failed and its clusters restored to the version they last ran
 * whole (lib/verbs/recover.ts), each logged, a rollback counted in
 * `drover_rollbacks_total{kind="recovery"}`. A release that cannot be
 * restored now is logged and left to its bundle's next deploy; the status
 * says recovery failed.
 *
 * @example
 *   const { recovered, recovery } = await recoverAtStart({ ctx });
 *   status.recovery = recovery;
 */
import { recoverAll } from '../verbs/recover.ts';
import type { DaemonStatus } from './daemon-handle.ts';
import { eventLogger } from './log.ts';
import type { LoopContext } from './loop-context.ts';

export async function recoverAtStart({
  ctx,
}: {
  ctx: LoopContext;
}): Promise<{ recovered: number; recovery: DaemonStatus['recovery'] }> {
  const { ws, log, metrics } = ctx;
  const rec = await recoverAll({ ws, onEvent: eventLogger(log, { phase: 'recover' }), signal: ctx.signal });
  for (const r of rec.recovered) {
    if (r.outcome === 'rolled-back') metrics.rollbacks.inc({ kind: 'recovery' });
    log.warn(`recovered ${r.release.bundle}@${r.release.version} on ${r.release.cluster}: ${r.outcome}: ${r.message}`, {
      bundle: r.release.bundle,
      cluster: r.release.cluster,
      outcome: r.outcome,
    });
  }
  for (const f of rec.failed)
    log.error(`recovery of ${f.bundle} on ${f.cluster} failed: ${f.error.message}; its next deploy retries it`, {
      bundle: f.bundle,
      cluster: f.cluster,
      error: f.error,
    });
  return { recovered: rec.recovered.length, recovery: rec.failed.length ? 'failed' : 'done' };
}
