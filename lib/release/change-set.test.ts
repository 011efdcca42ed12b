import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../object/ref.ts';
import { appliedObjects, assembleChangeSet, journalOf, summarizeChangeSet } from './change-set.ts';
import type { PlanEntry } from './plan.ts';

const obj = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'n' } });
const entry = (name: string, action: PlanEntry['action'], extra: Partial<PlanEntry> = {}): PlanEntry => ({
  ref: `ConfigMap/n/${name}`,
  key: `|ConfigMap|n|${name}`,
  action,
  live: null,
  ...(action === 'prune' || action === 'keep' ? {} : { object: obj(name) }),
  ...extra,
});

describe('change sets', () => {
  const plan = [
    entry('a', 'create'),
    entry('b', 'update'),
    entry('c', 'unchanged'),
    entry('d', 'prune'),
    entry('e', 'keep', { reason: 'owned by bundle x' }),
    entry('f', 'prune'),
  ];
  const applied = [
    { ref: 'ConfigMap/n/a', key: '|ConfigMap|n|a', action: 'created' as const, object: obj('a') },
    { ref: 'ConfigMap/n/b', key: '|ConfigMap|n|b', action: 'configured' as const, object: obj('b') },
  ];
  // f was already gone when pruned: it is not in `deleted`, so it is not in the set.
  const set = assembleChangeSet({ plan, applied, deleted: ['ConfigMap/n/d'] });

  it('says what happened to each object', () => {
    expect(set.map((e) => [e.ref, e.action])).toEqual([
      ['ConfigMap/n/a', 'created'],
      ['ConfigMap/n/b', 'configured'],
      ['ConfigMap/n/c', 'unchanged'],
      ['ConfigMap/n/d', 'deleted'],
      ['ConfigMap/n/e', 'skipped'],
    ]);
    expect(summarizeChangeSet(set)).toEqual({
      created: 1,
      configured: 1,
      unchanged: 1,
      deleted: 1,
      released: 0,
      restored: 0,
      skipped: 1,
    });
  });

  it('verification waits on what is applied, and the journal gets refs and actions without bodies', () => {
    expect(appliedObjects(set).map((o) => o.metadata.name)).toEqual(['a', 'b', 'c']);
    expect(journalOf(set).at(-1)).toEqual({ ref: 'ConfigMap/n/e', action: 'skipped', reason: 'owned by bundle x' });
    expect(JSON.stringify(journalOf(set))).not.toContain('apiVersion');
  });
});
