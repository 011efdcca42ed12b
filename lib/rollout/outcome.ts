/**
 * A rollout ends in one outcome, judged from its clusters and its tag (pure),
 * as gitops-engine ends an operation in one phase:
 *
 * - `healthy`: every cluster runs the version, healthy;
 * - `refused`: refused before any write: by the plan (a moved version tag, a
 *   quarantined version, nothing healthy to promote, a stale plan) or by a
 *   cluster's release engine (a foreign object, a missing inventory...),
 *   with no other cluster touched;
 * - `not-run`: it could not run (a cluster or an agent did not answer,
 *   another engine held a cluster, shutdown) and no cluster failed the
 *   version: nothing is to be blamed on it, and trying again is right;
 * - `rolled-back`: the version failed somewhere and every cluster it reached
 *   is back on what it ran (or kept by `onFailure: keep`), the tag put back;
 * - `needs-person`: a rollback or a revert failed, or the tag could not be
 *   put back: the environment is not where Drover can vouch for it.
 *
 * Every interface maps the outcome in one place: `outcomeError` gives the
 * error whose class is the CLI's exit code and the API's status.
 *
 * @example
 *   judgeOutcome({ clusters: [{ cluster: 'c2', state: 'rolled-back', ... }], channel }) // 'rolled-back'
 */
import {
  ConflictError,
  type DroverError,
  ReleaseFailedError,
  RollbackFailedError,
  UnavailableError,
} from '../errors/errors.ts';
import type { ClusterOutcome } from '../release/fanout.ts';
import type { PlanRefusal, RolloutPlan } from './plan.ts';

export type RolloutOutcome = 'healthy' | 'rolled-back' | 'needs-person' | 'refused' | 'not-run';

/** One thing that went wrong: on a cluster (and an object of it), or with the tag (no cluster). */
export interface RolloutFailure {
  cluster?: string;
  object?: string;
  error: { code: string; message: string; reason?: string };
}

/** What became of the environment's channel tag. */
export interface ChannelResult {
  tag: string;
  /** The digest it named before. */
  from?: string;
  to: string;
  /** The tag names `to` now (false: never moved, or put back). */
  moved: boolean;
  /** Put back (to `from`, or what the environment ran) because the rollout did not end healthy. */
  restored: boolean;
  restoreError?: string;
}

export interface RolloutResult {
  plan: RolloutPlan;
  outcome: RolloutOutcome;
  /** `outcome === 'healthy'`. */
  ok: boolean;
  failures: RolloutFailure[];
  bundle: string;
  version: string;
  digest: string;
  environment?: string;
  clusters: ClusterOutcome[];
  channel?: ChannelResult;
  /** Versions quarantined by this rollout (in its environment). */
  quarantined: { version: string; reason: string }[];
}

/** A rollout refused before any write. The class is a conflict: exit 5, HTTP 409. */
export class RolloutRefusedError extends ConflictError {}

const failed = (c: ClusterOutcome): boolean => c.state !== 'succeeded' && c.state !== 'not-started';

/** What a rollout's outcome is judged from: its clusters, its tag, or the plan's refusal. */
export interface OutcomeInputs {
  clusters: readonly ClusterOutcome[];
  channel?: ChannelResult | undefined;
  refusal?: PlanRefusal | undefined;
}

export function judgeOutcome({ clusters, channel, refusal }: OutcomeInputs): RolloutOutcome {
  if (refusal) return 'refused';
  const bad = clusters.filter(failed);
  if (bad.length === 0) return 'healthy';
  if (channel?.restoreError || bad.some((c) => c.state === 'rollback-failed' || c.state === 'revert-failed'))
    return 'needs-person';
  const touched = clusters.some((c) => c.state === 'succeeded' || c.state === 'reverted');
  if (bad.every((c) => c.refused) && !touched) return 'refused';
  const versionFailed = bad.some((c) => c.state === 'rolled-back');
  return versionFailed ? 'rolled-back' : 'not-run';
}

/** The failures of a rollout as a list, one per cluster that did not end on the version (and the tag, if it stayed wrong). */
export function failuresOf({ clusters, channel, refusal }: OutcomeInputs): RolloutFailure[] {
  if (refusal) return [{ error: { code: 'E_CONFLICT', message: refusal.message, reason: refusal.reason } }];
  const out: RolloutFailure[] = clusters.filter(failed).map((c) => ({
    cluster: c.cluster,
    ...(c.failedObject ? { object: c.failedObject } : {}),
    error: {
      code: errorCodeOf(c),
      message: c.message ?? c.reason ?? c.state,
      ...(c.reason ? { reason: c.reason } : {}),
    },
  }));
  if (channel?.restoreError)
    out.push({ error: { code: 'E_UNAVAILABLE', message: `the ${channel.tag} tag: ${channel.restoreError}` } });
  return out;
}

function errorCodeOf(c: ClusterOutcome): string {
  if (c.refused) return 'E_CONFLICT';
  if (c.state === 'error') return 'E_UNAVAILABLE';
  if (c.state === 'rollback-failed' || c.state === 'revert-failed') return 'E_ROLLBACK_FAILED';
  return 'E_RELEASE_FAILED';
}

/**
 * The one mapping of an outcome to an error (undefined: healthy). Its class
 * gives the CLI's exit code and the API's status: refused 5/409,
 * rolled-back 7/422, needs-person 8/500, not-run 6/503.
 */
export function outcomeError(
  r: Pick<RolloutResult, 'outcome' | 'bundle' | 'version' | 'environment' | 'failures' | 'plan'>,
): DroverError | undefined {
  const what = `${r.bundle}@${r.version || '?'}${r.environment ? ` to ${r.environment}` : ''}`;
  const data = { outcome: r.outcome, failures: r.failures };
  const where = (f: RolloutFailure) => `${f.cluster ?? 'tag'}${f.error.reason ? ` (${f.error.reason})` : ''}`;
  switch (r.outcome) {
    case 'healthy':
      return undefined;
    case 'refused': {
      const refusal = r.plan.refusal;
      if (refusal)
        return new RolloutRefusedError(refusal.message, {
          data: { ...refusal.data, reason: refusal.reason, ...data },
        });
      return new RolloutRefusedError(
        `${what} was refused on ${r.failures.map(where).join(', ')} before any write: ${r.failures[0]?.error.message ?? ''}`,
        { data: { reason: r.failures[0]?.error.reason, ...data } },
      );
    }
    case 'not-run':
      return new UnavailableError(
        `${what} did not run: ${r.failures.map((f) => `${where(f)}: ${f.error.message}`).join('; ')}`,
        {
          data,
        },
      );
    case 'rolled-back':
      return new ReleaseFailedError(`${what} failed on ${r.failures.map(where).join(', ')} and was rolled back`, {
        data,
      });
    case 'needs-person': {
      const stuck = r.failures.filter((f) => f.error.code !== 'E_RELEASE_FAILED' && f.error.code !== 'E_CONFLICT');
      return new RollbackFailedError(
        `${what}: ${(stuck.length ? stuck : r.failures).map(where).join(', ')} could not be put back and need attention`,
        { data },
      );
    }
  }
}
