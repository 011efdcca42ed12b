/**
 * A rollout's one outcome in words, for the dashboard (the one switch on
 * `outcome` here; the CLI's exit code and the API's status come from
 * `outcomeError`): shown when an action ends while its page waits, and on
 * the rollout page for the newest rollout.
 */
import type { RolloutFailure, RolloutOutcome } from '../../../lib/index.ts';

export interface OutcomeText {
  title: string;
  message: string;
  tone: 'ok' | 'warn' | 'bad';
}

const listed = (failures: readonly RolloutFailure[]): string =>
  failures
    // A failure with no cluster is the channel tag's, and its message names the tag.
    .map((f) => (f.cluster ? `${f.cluster}${f.object ? ` (${f.object})` : ''}: ${f.error.message}` : f.error.message))
    .join('; ');

export function outcomeText(r: {
  outcome: RolloutOutcome;
  bundle: string;
  version: string;
  environment?: string | null | undefined;
  failures: readonly RolloutFailure[];
}): OutcomeText {
  const what = `${r.bundle}${r.version ? `@${r.version}` : ''}${r.environment ? ` in ${r.environment}` : ''}`;
  switch (r.outcome) {
    case 'healthy':
      return { title: 'Healthy', message: `${what} runs healthy on every cluster.`, tone: 'ok' };
    case 'refused':
      return {
        title: 'Refused',
        message: `${what} was refused before anything was written: ${listed(r.failures)}`,
        tone: 'warn',
      };
    case 'not-run':
      return {
        title: 'Not run',
        message: `${what} could not run, and nothing of it was kept: ${listed(r.failures)}. It can be tried again.`,
        tone: 'warn',
      };
    case 'rolled-back':
      return {
        title: 'Rolled back',
        message: `${what} failed and every cluster is back on what it ran: ${listed(r.failures)}`,
        tone: 'bad',
      };
    case 'needs-person':
      return {
        title: 'Needs a person',
        message: `${what} failed and could not all be put back: ${listed(r.failures)}. Look at the clusters named before anything else.`,
        tone: 'bad',
      };
  }
}
