/**
 * What an action would change, gathered for its confirmation page through
 * the public API: the versions involved (the same choice the action itself
 * makes: promote takes what the previous environment runs, rollback the
 * previous good version), the version diff, and per cluster the diff
 * against what is live (`diffCluster`; an agent cluster is not reachable
 * from the hub and says so, an unreachable cluster says why). A heal shows
 * the open findings it would take back.
 */
import * as drover from '../../lib/index.ts';
import { type DaemonHandle, type MembersDiff, toDroverError, UsageError } from '../../lib/index.ts';
import type { ActionKind, ClusterPreview, ConfirmModel } from './views/confirm.ts';

const PREVIEW_TIMEOUT_MS = 15_000;

async function clusterPreviews(
  h: DaemonHandle,
  { bundle, version, clusters }: { bundle: string; version: string; clusters: readonly string[] },
): Promise<ClusterPreview[]> {
  const ws = h.ctx.ws;
  return Promise.all(
    clusters.map(async (cluster): Promise<ClusterPreview> => {
      if (ws.config.clusters.find((c) => c.name === cluster)?.mode === 'agent')
        return {
          cluster,
          diff: null,
          note: 'an agent cluster: its agent applies the version; the hub has no access to diff it live.',
        };
      try {
        const d = await drover.diffCluster({
          ws,
          bundle,
          version,
          cluster,
          signal: AbortSignal.timeout(PREVIEW_TIMEOUT_MS),
        });
        return {
          cluster,
          diff: d,
          note: d.from ? null : 'nothing of this bundle runs there yet: every member is new.',
        };
      } catch (err) {
        return { cluster, diff: null, note: `could not be read: ${toDroverError(err).message}` };
      }
    }),
  );
}

async function versionDiff(
  h: DaemonHandle,
  bundle: string,
  from: string | null | undefined,
  to: string,
): Promise<ConfirmModel['versionDiff']> {
  if (!from || from === to) return null;
  const diff: MembersDiff = await drover.diff({
    ws: h.ctx.ws,
    from: `${bundle}@${from}`,
    to: `${bundle}@${to}`,
    signal: AbortSignal.timeout(PREVIEW_TIMEOUT_MS),
  });
  return { from, to, diff };
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
  const envOf = (name: string) => {
    const i = ws.config.environments.findIndex((e) => e.name === name);
    if (i < 0) throw new UsageError(`${ws.config.file}: no environment named ${name}`);
    return { i, env: ws.config.environments[i]!, runs: detail.environments[i]!.runs };
  };
  const quarantined = (version: string, environment: string) =>
    detail.quarantine.some((q) => q.version === version && q.environment === environment);

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
  if (action === 'promote') {
    const to = envOf(need('to'));
    const prev = to.i > 0 ? detail.environments[to.i - 1]! : undefined;
    const version = query.get('version') ?? prev?.runs ?? null;
    if (!version)
      return {
        action,
        summary: `Promote ${bundle} to ${to.env.name}`,
        fields: { bundle, to: to.env.name },
        versionDiff: null,
        clusters: [],
        blocked: prev
          ? `${bundle} does not run one version healthy in ${prev.name}: nothing to promote.`
          : `${to.env.name} is the first environment: deploy a version instead.`,
      };
    const model: ConfirmModel = {
      action,
      summary: `Promote ${bundle} ${version} to ${to.env.name}`,
      fields: { bundle, to: to.env.name, version },
      versionDiff: await versionDiff(h, bundle, to.runs, version),
      clusters: await clusterPreviews(h, { bundle, version, clusters: to.env.clusters }),
    };
    if (to.runs === version) model.blocked = `${to.env.name} already runs ${version}.`;
    else if (quarantined(version, to.env.name)) model.summary += ' (quarantined there: released by hand)';
    return model;
  }
  if (action === 'rollback') {
    const e = envOf(need('environment'));
    const plan = await drover
      .planRollback({
        ws,
        bundle,
        environment: e.env.name,
        ...(query.get('to') ? { to: query.get('to')! } : {}),
        signal: AbortSignal.timeout(PREVIEW_TIMEOUT_MS),
      })
      .catch((err: unknown) => ({ error: toDroverError(err).message }));
    if ('error' in plan)
      return {
        action,
        summary: `Roll back ${bundle} in ${e.env.name}`,
        fields: { bundle, environment: e.env.name },
        versionDiff: null,
        clusters: [],
        blocked: plan.error,
      };
    const from = plan.from ?? e.runs;
    return {
      action,
      summary: `Roll back ${bundle} in ${e.env.name} to ${plan.to}`,
      fields: { bundle, environment: e.env.name, to: plan.to },
      versionDiff: await versionDiff(h, bundle, from, plan.to),
      clusters: await clusterPreviews(h, { bundle, version: plan.to, clusters: e.env.clusters }),
    };
  }
  // deploy
  const version = need('version');
  const environment = query.get('environment');
  const cluster = query.get('cluster');
  if (!environment === !cluster) throw new UsageError('deploy needs exactly one of environment or cluster');
  const e = environment ? envOf(environment) : undefined;
  const clusters = e ? e.env.clusters : [cluster!];
  return {
    action,
    summary: `Deploy ${bundle} ${version} to ${environment ?? cluster}`,
    fields: { bundle, version, ...(environment ? { environment } : { cluster: cluster! }) },
    versionDiff: await versionDiff(h, bundle, e?.runs, version),
    clusters: await clusterPreviews(h, { bundle, version, clusters }),
  };
}
