import { describe, expect, it } from 'vitest';
import { TreeLimitError } from '../errors/errors.ts';
import {
  DEFAULT_TREE_LIMITS,
  type TreeLimitSetting,
  createTreeBudget,
  enterDirectory,
  shortPath,
  spendBytes,
  spendEntries,
  treeLimitCrossed,
} from './tree-budget.ts';

describe('treeLimitCrossed', () => {
  it.each<[TreeLimitSetting, number, number, string, string | undefined]>([
    ['treeDepth', 32, 32, 'a', undefined],
    [
      'treeDepth',
      32,
      33,
      'apps/a/a/a/a/a/a/a',
      'apps/a/a/a/a/a/...: tree 33 directories deep, more than limits.treeDepth (32)',
    ],
    ['treeEntries', 100, 100, 'apps', undefined],
    ['treeEntries', 100, 101, 'apps/web', 'apps/web: 101 tree entries read, more than limits.treeEntries (100)'],
    ['treeEntries', 5, 7, '', '(repository root): 7 tree entries read, more than limits.treeEntries (5)'],
    ['treeBytes', 10, 11, 'big.yaml', 'big.yaml: 11 blob bytes read, more than limits.treeBytes (10)'],
  ])('%s limit %i, value %i at %s', (setting, limit, value, path, message) => {
    const err = treeLimitCrossed({ setting, limit, value, path });
    if (message === undefined) return expect(err).toBeUndefined();
    expect(err).toBeInstanceOf(TreeLimitError);
    expect(err!.code).toBe('E_TREE_LIMIT');
    expect(err!.message.startsWith(message)).toBe(true);
    // The setting to raise, said where a person reads it.
    expect(err!.message).toContain(`raise limits.${setting} in drover.yaml`);
    expect(err!.data).toEqual({ path, setting, limit, value });
  });
});

describe('shortPath', () => {
  it.each([
    ['', '(repository root)'],
    ['apps/web/deploy.yaml', 'apps/web/deploy.yaml'],
    ['a/b/c/d/e/f', 'a/b/c/d/e/f'],
    ['a/b/c/d/e/f/g', 'a/b/c/d/e/f/...'],
    ['x'.repeat(300), `${'x'.repeat(200)}...`],
  ])('%j shows as %j', (path, shown) => {
    expect(shortPath(path)).toBe(shown);
  });
});

describe('a budget', () => {
  it('takes the defaults for what it is not told', () => {
    expect(createTreeBudget().limits).toEqual({ treeEntries: 100_000, treeDepth: 32, treeBytes: 256 * 1024 * 1024 });
    expect(createTreeBudget({ limits: { treeDepth: 4 } }).limits).toEqual({ ...DEFAULT_TREE_LIMITS, treeDepth: 4 });
  });

  it('counts entries and bytes over every call, and throws at the call that crosses, naming its path', () => {
    const budget = createTreeBudget({ limits: { treeEntries: 25, treeBytes: 100 } });
    spendEntries({ budget, path: '', count: 10 });
    spendEntries({ budget, path: 'apps', count: 15 });
    expect(() => spendEntries({ budget, path: 'apps/web', count: 1 })).toThrow(
      expect.objectContaining({ data: { path: 'apps/web', setting: 'treeEntries', limit: 25, value: 26 } }),
    );
    spendBytes({ budget, path: 'a.yaml', bytes: 60 });
    spendBytes({ budget, path: 'b.yaml', bytes: 40 });
    expect(() => spendBytes({ budget, path: 'c.yaml', bytes: 1 })).toThrow(/^c\.yaml: 101 blob bytes read/);
    expect(budget).toMatchObject({ entries: 26, bytes: 101 });
  });

  it('refuses a directory deeper than treeDepth, not one at it', () => {
    const budget = createTreeBudget({ limits: { treeDepth: 2 } });
    expect(() => enterDirectory({ budget, path: 'a/b', depth: 2 })).not.toThrow();
    expect(() => enterDirectory({ budget, path: 'a/b/c', depth: 3 })).toThrow(
      'a/b/c: tree 3 directories deep, more than limits.treeDepth (2)',
    );
  });
});
