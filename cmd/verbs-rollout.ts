/**
 * The verbs that move an environment (or one cluster) to a version: deploy,
 * promote, rollback. Each calls one library function and shows its one
 * outcome; the exit code is `outcomeError`'s (refused 5, not run 6, rolled
 * back 7, needs a person 8), read by main.ts like any error's. With
 * `--dry-run` each prints the plan instead (which version, the tag's move,
 * each cluster's change, the refusal that applies) and writes nothing.
 */
import * as drover from '../lib/index.ts';
import {
  type DeployResult,
  outcomeError,
  parseBundleRef,
  type PlannedCluster,
  type RolloutPlan,
  RolloutRefusedError,
  UsageError,
} from '../lib/index.ts';
import { table } from './render.ts';
import { str, type Verb, type VerbContext, type VerbResult, withWorkspace } from './verb.ts';

const DRY_RUN = { 'dry-run': { type: 'boolean' } } as const;

/** A rollout's result for people, and its outcome as the verb's failure. */
export function rolloutResult(r: DeployResult): VerbResult {
  const human = [
    `${r.bundle}@${r.version || '?'}${r.environment ? ` to ${r.environment}` : ''}: ${r.outcome}`,
    table(
      ['CLUSTER', 'WAVE', 'STATE', 'FAILED OBJECT', 'REASON'],
      r.clusters.map((c) => [
        c.cluster,
        c.wave,
        c.refused ? 'refused' : c.state,
        c.failedObject ?? '',
        c.refused ? `${c.reason}: ${c.message}` : (c.reason ?? c.message ?? ''),
      ]),
    ),
    ...(r.channel
      ? [
          `channel tag ${r.channel.tag}: ${r.channel.restored ? `put back to ${r.channel.from}` : r.channel.moved ? `now ${r.channel.to}` : 'not moved'}`,
        ]
      : []),
    ...r.quarantined.map((q) => `quarantined ${r.bundle}@${q.version} in ${r.environment}: ${q.reason}`),
  ].join('\n');
  const failure = outcomeError(r);
  return failure ? { data: r, human, failure } : { data: r, human };
}

/** What one cluster of a plan would see changed, in a word or two. */
function changeOf(c: PlannedCluster): string {
  if (c.mode === 'agent') return 'its agent applies it';
  if (c.unreadable) return `not read: ${c.unreadable}`;
  if (!c.change) return c.changeError ? `not read: ${c.changeError}` : '';
  const d = c.change;
  const refused = d.foreign.length + d.refusals.length;
  return [
    refused ? `REFUSED: ${[...d.foreign, ...d.refusals].map((f) => f.ref).join(', ')}` : '',
    `${d.added.length} added, ${d.changed.length} changed, ${d.removed.length} removed, ${d.unchanged.length} unchanged`,
    d.letGo.length ? `${d.letGo.length} let go` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

const short = (d: string | undefined): string => (d ? `${d.slice(0, 19)}…` : '(none)');

/** A plan for people, and its refusal (if any) as the verb's failure; nothing was done. */
export function planResult(plan: RolloutPlan): VerbResult {
  const where = plan.environment ?? plan.cluster;
  const ch = plan.channel;
  const human = [
    `plan ${plan.id}: ${plan.reason} ${plan.bundle}@${plan.version ?? '?'} to ${where} (dry run: nothing was changed)`,
    ...(plan.runs ? [`${where} runs ${plan.runs.version} now${plan.unchanged ? ': this very version' : ''}`] : []),
    ...(ch
      ? [
          ch.mode === 'follow'
            ? `channel tag ${ch.tag}: followed, not moved`
            : `channel tag ${ch.tag}: ${ch.names === ch.to ? 'already names it' : `${short(ch.names)} -> ${short(ch.to)}`}${ch.putBackTo ? `; put back to ${short(ch.putBackTo)} if it does not end healthy` : ''}`,
        ]
      : []),
    ...(plan.quarantined ? [`${plan.version} is quarantined in ${where}: named, so it goes ahead`] : []),
    table(
      ['CLUSTER', 'WAVE', 'RUNS', 'CHANGE'],
      plan.waves.flatMap((w) => w.clusters).map((c) => [c.cluster, c.wave, c.runs?.version ?? '-', changeOf(c)]),
    ),
    ...(plan.refusal ? [`REFUSED (${plan.refusal.reason}): ${plan.refusal.message}`] : []),
  ].join('\n');
  if (!plan.refusal) return { data: plan, human };
  const failure = new RolloutRefusedError(plan.refusal.message, {
    data: { ...plan.refusal.data, reason: plan.refusal.reason },
  });
  return { data: plan, human, failure };
}

/** Runs the rollout, or with --dry-run plans it only. */
function rolloutOrPlan(
  ctx: VerbContext,
  request: Parameters<typeof drover.plan>[0],
  run: () => Promise<DeployResult>,
): Promise<VerbResult> {
  if (ctx.values['dry-run']) return drover.plan({ ...request, signal: ctx.signal }).then(planResult);
  return run().then(rolloutResult);
}

export const rolloutVerbs: Verb[] = [
  {
    name: 'deploy',
    usage: 'deploy B@V (--env E | --cluster C) [--dry-run]',
    summary: 'release a version to an environment (in waves) or one cluster',
    options: { env: { type: 'string' }, cluster: { type: 'string' }, ...DRY_RUN },
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const [ref] = ctx.positionals;
        if (!ref || ctx.positionals.length > 1) throw new UsageError('deploy takes one BUNDLE@VERSION');
        const { bundle, version } = parseBundleRef(ref);
        const where = { environment: str(ctx.values.env), cluster: str(ctx.values.cluster) };
        return rolloutOrPlan(ctx, { ws, bundle, version, ...where, reason: 'deploy' }, () =>
          drover.deploy({ ws, bundle, version, ...where, onEvent: ctx.onEvent, signal: ctx.signal }),
        );
      }),
  },
  {
    name: 'promote',
    usage: 'promote B --to E [--version V] [--dry-run]',
    summary: "move E's channel tag to V (default: what the previous env runs healthy) and deploy it",
    options: { to: { type: 'string' }, version: { type: 'string' }, ...DRY_RUN },
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const [bundle] = ctx.positionals;
        const to = str(ctx.values.to);
        if (!bundle || !to) throw new UsageError('promote needs a bundle and --to ENV');
        const version = str(ctx.values.version);
        return rolloutOrPlan(ctx, { ws, bundle, environment: to, version, reason: 'promote' }, () =>
          drover.promote({ ws, bundle, to, version, onEvent: ctx.onEvent, signal: ctx.signal }),
        );
      }),
  },
  {
    name: 'rollback',
    usage: 'rollback B --env E [--to V] [--dry-run]',
    summary: "move E's channel tag back (default: the previous good version) and deploy it",
    options: { env: { type: 'string' }, to: { type: 'string' }, ...DRY_RUN },
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const [bundle] = ctx.positionals;
        const environment = str(ctx.values.env);
        if (!bundle || !environment) throw new UsageError('rollback needs a bundle and --env ENV');
        const to = str(ctx.values.to);
        return rolloutOrPlan(ctx, { ws, bundle, environment, version: to, reason: 'rollback' }, () =>
          drover.rollback({ ws, bundle, environment, to, onEvent: ctx.onEvent, signal: ctx.signal }),
        );
      }),
  },
];
