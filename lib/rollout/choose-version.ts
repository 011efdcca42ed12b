/**
 * Which version a rollout moves an environment to when the caller names
 * none, decided from recorded state alone (pure): a promotion takes what the
 * previous environment runs whole, unless that version was rolled back from
 * the target environment (quarantined: a person names it to go ahead); a
 * rollback takes the newest earlier version that succeeded in the
 * environment. A named version is taken as it is. A request that cannot be
 * answered at all (a promotion into the first environment, a deploy without
 * a version) is a usage error; one the state does not allow now is a
 * refusal the plan carries.
 *
 * @example
 *   chooseVersion({ request: { bundle: 'web', environment: 'prod', reason: 'promote' }, environments, runOf, ... })
 *   // { reference: '1.0.2' } or { refusal: { reason: 'NotHealthyInPrevious', ... } }
 */
import { UsageError } from '../errors/errors.ts';
import { previousGoodVersion } from '../release/channels.ts';
import type { EnvironmentRun } from '../release/environment-run.ts';
import type { ReleaseRecord } from '../state/releases.ts';
import type { PlanRefusal, RolloutRequest } from './plan.ts';

export type VersionChoice = { reference: string } | { refusal: PlanRefusal };

export interface ChooseVersionArgs {
  request: RolloutRequest;
  /** The pipeline's environments in order. */
  environments: readonly string[];
  /** What an environment runs whole. */
  runOf: (environment: string) => EnvironmentRun;
  isQuarantined: (environment: string, version: string) => boolean;
  /** For a rollback: the version the environment's tag names now, and its succeeded releases, newest first. */
  current?: string | undefined;
  succeeded?: readonly ReleaseRecord[];
  newer: (a: string, b: string) => boolean;
}

export function chooseVersion(args: ChooseVersionArgs): VersionChoice {
  const { request } = args;
  if (request.version) return { reference: request.version };
  if (request.reason === 'promote') return promotedVersion(args);
  if (request.reason === 'rollback')
    return {
      reference: previousGoodVersion(args.current, [...(args.succeeded ?? [])], args.newer).version,
    };
  throw new UsageError(`${request.reason} needs a version`);
}

function promotedVersion({ request, environments, runOf, isQuarantined }: ChooseVersionArgs): VersionChoice {
  const to = request.environment!;
  const prev = environments[environments.indexOf(to) - 1];
  if (!prev) throw new UsageError(`${to} is the first environment: name a version with --version`);
  const run = runOf(prev);
  if (!run.runs)
    return {
      refusal: {
        reason: 'NotHealthyInPrevious',
        message: `${request.bundle} is not healthy on one version in ${prev}${run.notHealthy.length ? ` (not healthy: ${run.notHealthy.join(', ')})` : ''}`,
        data: { environment: prev, notHealthy: run.notHealthy },
      },
    };
  if (isQuarantined(to, run.runs))
    return {
      refusal: {
        reason: 'Quarantined',
        message: `${request.bundle}@${run.runs} was rolled back from ${to} and is quarantined; name it with --version to promote it anyway`,
        data: { environment: to, version: run.runs },
      },
    };
  return { reference: run.runs };
}
