/**
 * One pass of the loop for one bundle: follow every channel tag moved
 * outside Drover (follow-channels.ts), then read what each environment runs
 * from the journal, ask the promotion policy what comes next (deploy the newest
 * version to the first environment, promote along the pipeline), do it, and
 * ask again until nothing is due. A version whose rollout failed and was
 * rolled back is quarantined in that environment, so automation never
 * retries it (a newer version, or a person, moves things on). A rollout that
 * could not run at all (a cluster unreachable, another engine holding the
 * lease) throws, and the queue retries the bundle with backoff.
 *
 * @example
 *   const r = await reconcileBundle(ctx, { bundle: 'web' });
 *   r.wakeAtMs // when a waiting promotion becomes due
 */
import { gt } from 'semver';
import { outcomeError } from '../rollout/outcome.ts';
import { environmentRun } from '../release/environment-run.ts';
import { lastReleases } from '../state/releases.ts';
import { isQuarantined } from '../state/quarantine.ts';
import { getBundle, latestVersion } from '../state/versions.ts';
import type { DeployResult } from '../verbs/deploy.ts';
import { deployAction, promoteAction } from './actions.ts';
import { followChannels } from './follow-channels.ts';
import type { LoopContext } from './loop-context.ts';
import { type BundleAction, decideNext, type EnvironmentState, type Hold } from './promotion-policy.ts';

export interface ReconcileBundleResult {
  actions: { action: BundleAction; ok: boolean; quarantined: boolean }[];
  held: Hold[];
  wakeAtMs?: number;
}

export function readEnvironmentStates(ctx: LoopContext, bundle: string): EnvironmentState[] {
  return ctx.ws.config.environments.map((e) => {
    const s = environmentRun(lastReleases(ctx.ws.db, { bundle, clusters: e.clusters }));
    return {
      name: e.name,
      promotion: e.promotion,
      ...(s.runs ? { runs: s.runs } : {}),
      ...(s.healthySinceMs !== undefined ? { healthySinceMs: s.healthySinceMs } : {}),
    };
  });
}

export async function reconcileBundle(
  ctx: LoopContext,
  { bundle }: { bundle: string },
): Promise<ReconcileBundleResult> {
  const now = ctx.now ?? Date.now;
  const db = ctx.ws.db;
  const out: ReconcileBundleResult = { actions: [], held: [] };
  // A bundle whose document left its source keeps running what it runs: nothing new is deployed or promoted.
  const left = getBundle(db, bundle)?.left;
  if (left) {
    out.held = ctx.ws.config.environments.map((e) => ({
      environment: e.name,
      reason: `left its source at ${left.commit.slice(0, 12)}; drover retire ${bundle} removes it`,
    }));
    return out;
  }
  // Channel tags first: an environment whose tag someone else moved is released to it (the tag is its desired state).
  const followed = ctx.ws.config.serve.channels.follow
    ? await followChannels(ctx, { bundle })
    : { followed: [], held: [] };
  // Each action changes what environments run; at most one action per environment per pass.
  for (let pass = 0; pass <= ctx.ws.config.environments.length; pass++) {
    ctx.signal.throwIfAborted();
    const d = decideNext({
      latest: latestVersion(db, bundle)?.version,
      environments: readEnvironmentStates(ctx, bundle),
      isQuarantined: (environment, version) => isQuarantined(db, { bundle, version, environment }),
      newer: (a, b) => gt(a, b),
      nowMs: now(),
    });
    out.held = [...followed.held, ...d.held];
    if (d.wakeAtMs !== undefined) out.wakeAtMs = d.wakeAtMs;
    else delete out.wakeAtMs;
    const a = d.action;
    if (!a) return out;
    ctx.log.info(
      a.kind === 'deploy'
        ? `deploying ${bundle}@${a.version} to ${a.environment}`
        : `promoting ${bundle}@${a.version} from ${a.from} to ${a.environment}`,
      { bundle, version: a.version, environment: a.environment },
    );
    const r: DeployResult =
      a.kind === 'deploy'
        ? await deployAction(ctx, { bundle, version: a.version, environment: a.environment, automated: true })
        : await promoteAction(ctx, { bundle, to: a.environment, version: a.version, automated: true });
    // A version that failed was quarantined by the rollout (rollout/quarantine-rule.ts): automation moves on.
    out.actions.push({ action: a, ok: r.ok, quarantined: r.quarantined.length > 0 });
    if (!r.ok && r.quarantined.length === 0) throw outcomeError(r)!;
  }
  return out;
}
