import { describe, expect, it } from 'vitest';
import { TreeLimitError, UnavailableError } from '../errors/errors.ts';
import { createFailingTasks } from './failing-tasks.ts';

describe('createFailingTasks', () => {
  it('names a task failed three times in a row, since its first failure; a success clears it', () => {
    let t = 0;
    const failing = createFailingTasks({ now: () => new Date(Date.UTC(2026, 11, 7, 0, 0, t)) });
    failing.failed('source:shop', 1, new UnavailableError('git server unreachable'));
    t = 10;
    failing.failed('source:shop', 2, new UnavailableError('git server unreachable'));
    failing.failed('bundle:web', 1, new Error('boom'));
    expect(failing.list()).toEqual([]);
    t = 20;
    failing.failed('source:shop', 3, new UnavailableError('git server still unreachable'));
    expect(failing.list()).toEqual([
      { task: 'source:shop', attempts: 3, since: '2026-12-07T00:00:00.000Z', error: 'git server still unreachable' },
    ]);
    expect(failing.list(1).map((x) => x.task)).toEqual(['source:shop', 'bundle:web']);
    failing.succeeded('source:shop');
    expect(failing.list()).toEqual([]);
  });

  it('names a source whose content crossed the limits from its first failure', () => {
    const failing = createFailingTasks({ now: () => new Date(Date.UTC(2026, 11, 7)) });
    const crossed = new TreeLimitError('nest/d0/d0: 100001 tree entries read, more than limits.treeEntries (100000)');
    failing.failed('source:hostile', 1, crossed);
    failing.failed('source:shop', 1, new UnavailableError('git server unreachable'));
    expect(failing.list()).toEqual([
      { task: 'source:hostile', attempts: 1, since: '2026-12-07T00:00:00.000Z', error: crossed.message },
    ]);
    // A new commit within the limits cuts: the source is no longer failing.
    failing.succeeded('source:hostile');
    expect(failing.list()).toEqual([]);
  });
});
