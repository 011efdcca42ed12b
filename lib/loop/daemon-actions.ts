/**
 * The actions an interface asks the running daemon for (cut, deploy,
 * promote, roll back, heal: DaemonActions in daemon-handle.ts), each run by
 * its action in actions.ts under the loop's lock for its key (task-key.ts),
 * so it takes turns with the loop's own task for the same source or bundle,
 * and refused once shutdown has started (`runExclusive`). What an action
 * changes is followed up by the loop: a cut wakes the bundles it cut new
 * versions of, and a bundle's action wakes its bundle (a promotion may now
 * be due).
 *
 * @example
 *   const actions = createDaemonActions({ ctx, runExclusive, wakeBundle });
 *   await actions.promote({ bundle: 'web', to: 'prod' });
 */
import { NotFoundError } from '../errors/errors.ts';
import { cutSourceAction, deployAction, healAction, promoteAction, rollbackAction } from './actions.ts';
import type { DaemonActions, DaemonHandle } from './daemon-handle.ts';
import { planMove } from '../verbs/plan.ts';
import type { LoopContext } from './loop-context.ts';
import { bundleKey, sourceKey } from './task-key.ts';

export function createDaemonActions({
  ctx,
  runExclusive,
  wakeBundle,
}: {
  ctx: LoopContext;
  runExclusive: DaemonHandle['runExclusive'];
  wakeBundle: DaemonHandle['wakeBundle'];
}): DaemonActions {
  // Each bundle action holds its bundle's lock, and wakes the bundle after, for what follows from it (a promotion now due).
  const onBundle = async <T>(bundle: string, action: () => Promise<T>): Promise<T> => {
    const r = await runExclusive(bundleKey(bundle), action);
    wakeBundle(bundle);
    return r;
  };
  return {
    async cut({ source: only, bundle }) {
      const sources = ctx.ws.config.sources.filter((s) => !only || s.name === only);
      if (only && sources.length === 0) throw new NotFoundError(`no source named ${only}`, { data: { source: only } });
      const results = [];
      for (const source of sources) {
        const r = await runExclusive(sourceKey(source.name), () =>
          cutSourceAction(ctx, { source, ...(bundle ? { bundle } : {}) }),
        );
        for (const c of r.cut) wakeBundle(c.bundle);
        results.push(r);
      }
      return {
        sources: results.flatMap((r) => r.sources),
        cut: results.flatMap((r) => r.cut),
        unchanged: results.flatMap((r) => r.unchanged),
        warnings: results.flatMap((r) => r.warnings),
      };
    },
    plan: async (args) => {
      const plan = await planMove({ ws: ctx.ws, ...args, preview: true, signal: ctx.signal });
      ctx.plans?.remember(plan);
      return plan;
    },
    deploy: (args) => onBundle(args.bundle, () => deployAction(ctx, args)),
    promote: (args) => onBundle(args.bundle, () => promoteAction(ctx, args)),
    rollback: (args) => onBundle(args.bundle, () => rollbackAction(ctx, args)),
    heal: (args) => onBundle(args.bundle, () => healAction(ctx, args)),
  };
}
