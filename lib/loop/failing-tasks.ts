/**
 * Tasks that keep failing: each failed run of a task (a source, a bundle)
 * is noted with its attempt and error, and a run that succeeds clears it.
 * `/readyz` names every task failed `minAttempts` times in a row in its
 * body (and stays 200: a one-replica hub must stay in its Service while
 * one source or bundle is broken), so a person sees what is stuck without
 * reading the log. A failure no retry can mend is named from the first: a
 * source whose content crossed drover.yaml's `limits` (a TreeLimitError)
 * fails the same way until a new commit or a raised limit, so waiting for
 * three attempts would only hide it.
 *
 * @example
 *   const failing = createFailingTasks();
 *   failing.failed('source:shop', 3, err);
 *   failing.list() // [{ task: 'source:shop', attempts: 3, since: '2026-…', error: 'git server unreachable' }]
 */
import { TreeLimitError, toDroverError } from '../errors/errors.ts';

export interface FailingTask {
  task: string;
  attempts: number;
  /** When its first failure in a row was. */
  since: string;
  error: string;
}

export interface FailingTasks {
  failed(task: string, attempt: number, error: unknown): void;
  succeeded(task: string): void;
  /** Tasks failed at least `minAttempts` times in a row (default 3), or once in a way no retry mends; longest failing first. */
  list(minAttempts?: number): FailingTask[];
}

export function createFailingTasks({ now = () => new Date() }: { now?: () => Date } = {}): FailingTasks {
  const failing = new Map<string, { shown: FailingTask; lasting: boolean }>();
  return {
    failed(task, attempt, error) {
      const since = failing.get(task)?.shown.since ?? now().toISOString();
      failing.set(task, {
        shown: { task, attempts: attempt, since, error: toDroverError(error).message },
        lasting: error instanceof TreeLimitError,
      });
    },
    succeeded(task) {
      failing.delete(task);
    },
    list(minAttempts = 3) {
      return [...failing.values()]
        .filter((t) => t.shown.attempts >= minAttempts || t.lasting)
        .map((t) => t.shown)
        .sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : 0));
    },
  };
}
