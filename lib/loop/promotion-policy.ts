/**
 * What the loop does next for one bundle, decided from recorded state alone
 * (pure: no clock, no I/O). Environments are a pipeline in config order:
 *
 * - the first environment gets the newest version, unless that version is
 *   quarantined there (rolled back from it) or already runs there whole;
 * - each later environment with `promotion.mode: auto` gets the version the
 *   previous environment runs whole once it has run it for
 *   `healthyForSeconds` (counted from the last of its clusters' successes),
 *   unless that version is quarantined there, already runs there, or is not
 *   newer than what runs there (automation never moves an environment back);
 * - `manual` environments are never advanced automatically.
 *
 * The first action found in pipeline order is returned; environments that
 * must wait report when, so the caller can wake up then.
 *
 * @example
 *   decideNext({ latest: '1.0.1', environments, isQuarantined, newer: semver.gt, nowMs: Date.now() })
 *   // { action: { kind: 'deploy', environment: 'dev', version: '1.0.1' }, held: [] }
 */
import type { EnvironmentRun } from '../release/environment-run.ts';

/** An environment of the pipeline: its name and promotion policy, and what it runs whole (release/environment-run.ts). */
export type EnvironmentState = {
  name: string;
  promotion: { mode: 'manual' | 'auto'; healthyForSeconds: number };
} & Pick<EnvironmentRun, 'runs' | 'healthySinceMs'>;

export type BundleAction =
  | { kind: 'deploy'; environment: string; version: string }
  | { kind: 'promote'; environment: string; from: string; version: string };

export interface Hold {
  environment: string;
  reason: string;
}

export interface BundleDecision {
  action?: BundleAction;
  /** Earliest time (ms) a waiting promotion becomes due. */
  wakeAtMs?: number;
  /** Why environments were left alone, for logs and the API. */
  held: Hold[];
}

export interface DecideNextArgs {
  /** The newest version cut, if any. */
  latest: string | undefined;
  environments: readonly EnvironmentState[];
  isQuarantined: (environment: string, version: string) => boolean;
  /** True when version a is newer than b (semver). */
  newer: (a: string, b: string) => boolean;
  nowMs: number;
}

export function decideNext({ latest, environments, isQuarantined, newer, nowMs }: DecideNextArgs): BundleDecision {
  const held: Hold[] = [];
  let wakeAtMs: number | undefined;
  for (const [i, env] of environments.entries()) {
    const hold = (reason: string) => held.push({ environment: env.name, reason });
    if (i === 0) {
      if (latest === undefined) {
        hold('no version cut yet');
        continue;
      }
      if (env.runs === latest) continue;
      if (isQuarantined(env.name, latest)) {
        hold(`${latest} is quarantined here (rolled back from it)`);
        continue;
      }
      return { action: { kind: 'deploy', environment: env.name, version: latest }, held };
    }
    const prev = environments[i - 1]!;
    if (env.promotion.mode === 'manual') {
      if (prev.runs !== undefined && prev.runs !== env.runs)
        hold(`promotion is manual (${prev.name} runs ${prev.runs})`);
      continue;
    }
    const candidate = prev.runs;
    if (candidate === undefined) {
      hold(`${prev.name} does not run one version whole`);
      continue;
    }
    if (env.runs === candidate) continue;
    if (env.runs !== undefined && !newer(candidate, env.runs)) {
      hold(`${prev.name} runs ${candidate}, not newer than ${env.runs}`);
      continue;
    }
    if (isQuarantined(env.name, candidate)) {
      hold(`${candidate} is quarantined here (rolled back from it)`);
      continue;
    }
    const dueAt = (prev.healthySinceMs ?? nowMs) + env.promotion.healthyForSeconds * 1000;
    if (dueAt > nowMs) {
      hold(`waiting for ${prev.name} to run ${candidate} healthy for ${env.promotion.healthyForSeconds}s`);
      wakeAtMs = wakeAtMs === undefined ? dueAt : Math.min(wakeAtMs, dueAt);
      continue;
    }
    return {
      action: { kind: 'promote', environment: env.name, from: prev.name, version: candidate },
      held,
      ...(wakeAtMs !== undefined ? { wakeAtMs } : {}),
    };
  }
  return { held, ...(wakeAtMs !== undefined ? { wakeAtMs } : {}) };
}
