/**
 * What an action would change, gathered for its confirmation page through
 * the public API. A deploy, promote or rollback shows the rollout's plan
 * (the daemon's `plan` action: the same planner the action itself runs, so
 * the version is the one it will take), the version diff, and per cluster
 * the plan's change against what is live (an agent cluster is not reachable
 * from the hub and says so, an unreachable cluster says why); the form
 * posts the plan's id, and the action is refused if the plan went stale. A
 * heal shows the open findings it would take back.
 */
import * as drover from '../../lib/index.ts';
import { type DaemonHandle, type MembersDiff, type RolloutPlan, toDroverError, UsageError } from '../../lib/index.ts';
import type { ActionKind, ClusterPreview, ConfirmModel } from './views/confirm.ts';

const PREVIEW_TIMEOUT_MS = 15_000;

/** Each cluster of a plan as the confirm page shows it: its change against what is live, or why there is none. */
function clusterPreviews(plan: RolloutPlan): ClusterPreview[] {
  return plan.waves
    .flatMap((w) => w.clusters)
    .map((c): ClusterPreview => {
      if (c.mode === 'agent')
        return {
          cluster: c.cluster,
          diff: null,
          note: 'an agent cluster: its agent applies the version; the hub has no access to diff it live.',
        };
      if (!c.change)
        return {
          cluster: c.cluster,
          diff: null,
          note: `could not be read: ${c.changeError ?? c.unreadable ?? 'unknown'}`,
        };
      return {
        cluster: c.cluster,
        diff: c.change,
        note: c.change.from ? null : 'nothing of this bundle runs there yet: every member is new.',
      };
    });
}

async function versionDiff(
  h: DaemonHandle,
  bundle: string,
  from: string | null | undefined,
  to: string | undefined,
): Promise<ConfirmModel['versionDiff']> {
  if (!from || !to || from === to) return null;
  const diff: MembersDiff = await drover.diff({
    ws: h.ctx.ws,
    from: `${bundle}@${from}`,
    to: `${bundle}@${to}`,
    signal: AbortSignal.timeout(PREVIEW_TIMEOUT_MS),
  });
  return { from, to, diff };
}

/** The words of a plan's action: `Promote web 1.0.2 to prod`. */
function summaryOf(action: ActionKind, plan: RolloutPlan): string {
  const v = plan.version ? ` ${plan.version}` : '';
  if (action === 'promote') return `Promote ${plan.bundle}${v} to ${plan.environment}`;
  if (action === 'rollback')
    return `Roll back ${plan.bundle} in ${plan.environment}${plan.version ? ` to ${plan.version}` : ''}`;
  return `Deploy ${plan.bundle}${v} to ${plan.environment ?? plan.cluster}`;
}

/** A rollout's confirmation: the plan the action will be held to (its id is posted back), the version diff, each cluster's change. */
async function rolloutConfirm(
  h: DaemonHandle,
  action: Exclude<ActionKind, 'heal'>,
  query: URLSearchParams,
  bundle: string,
) {
  const need = (k: string) => {
    const v = query.get(k);
    if (!v) throw new UsageError(`${k} is required`);
    return v;
  };
  const version = query.get(action === 'rollback' ? 'to' : 'version') || undefined;
  const environment = action === 'promote' ? need('to') : query.get('environment') || undefined;
  const cluster = action === 'deploy' ? query.get('cluster') || undefined : undefined;
  if (action === 'deploy' && !version) throw new UsageError('version is required');
  let plan: RolloutPlan;
  try {
    plan = await h.actions.plan({ bundle, reason: action, environment, cluster, version });
  } catch (err) {
    // Nothing to plan (no earlier version to roll back to, a first environment to promote into): said instead of the button.
    const blocked = toDroverError(err);
    if (blocked.code !== 'E_NOT_FOUND' && blocked.code !== 'E_USAGE') throw err;
    return {
      action,
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} ${bundle}`,
      fields: { bundle },
      versionDiff: null,
      clusters: [],
      blocked: blocked.message,
    };
  }
  const fields: Record<string, string> = {
    bundle,
    plan: plan.id,
    ...(environment ? { [action === 'promote' ? 'to' : 'environment']: environment } : {}),
    ...(cluster ? { cluster } : {}),
    ...(plan.version ? { [action === 'rollback' ? 'to' : 'version']: plan.version } : {}),
  };
  const model: ConfirmModel = {
    action,
    summary: summaryOf(action, plan),
    fields,
    versionDiff: await versionDiff(h, bundle, plan.runs?.version, plan.version),
    clusters: plan.refusal ? [] : clusterPreviews(plan),
  };
  if (plan.refusal) model.blocked = plan.refusal.message;
  else if (plan.unchanged && action === 'promote') model.blocked = `${plan.environment} already runs ${plan.version}.`;
  else if (plan.quarantined) model.summary += ' (quarantined there: released by hand)';
  return model;
}

export async function buildConfirm({
  h,
  action,
  query,
}: {
  h: DaemonHandle;
  action: ActionKind;
  query: URLSearchParams;
}): Promise<ConfirmModel> {
  const ws = h.ctx.ws;
  const need = (k: string) => {
    const v = query.get(k);
    if (!v) throw new UsageError(`${k} is required`);
    return v;
  };
  const detail = await drover.bundle({ ws, bundle: need('bundle') });
  const bundle = detail.name;
  if (action === 'heal') {
    const cluster = need('cluster');
    const findings = await drover.driftFindings({ ws, bundle, cluster, open: true, limit: 500 });
    return {
      action,
      summary: `Heal ${bundle} on ${cluster}`,
      fields: { bundle, cluster },
      versionDiff: null,
      clusters: [],
      findings,
      ...(findings.length === 0 ? { blocked: `${bundle} has no open drift on ${cluster}: nothing to heal.` } : {}),
    };
  }
  return rolloutConfirm(h, action, query, bundle);
}
