import { describe, expect, it } from 'vitest';
import { elementKey, managerSets, nodeAt, ownsPath, parseFieldsV1, unionSets } from './fieldset.ts';

const set = parseFieldsV1({
  'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
  'f:spec': {
    'f:selector': {},
    'f:ports': { 'k:{"protocol":"TCP","port":80}': { '.': {}, 'f:port': {} } },
    'f:finalizers': { 'v:"a"': {} },
  },
});

describe('fieldset', () => {
  it.each([
    [[{ field: 'metadata' }, { field: 'labels' }, { field: 'app' }], true],
    [[{ field: 'metadata' }, { field: 'labels' }], true],
    [[{ field: 'metadata' }], false],
    [[{ field: 'metadata' }, { field: 'labels' }, { field: 'other' }], false],
    // an atomic leaf owns what lies beneath it
    [[{ field: 'spec' }, { field: 'selector' }, { field: 'matchLabels' }, { field: 'app' }], true],
    // keyed items match whatever the order of the key's fields
    [[{ field: 'spec' }, { field: 'ports' }, { key: { port: 80, protocol: 'TCP' } }, { field: 'port' }], true],
    [[{ field: 'spec' }, { field: 'ports' }, { key: { port: 81, protocol: 'TCP' } }], false],
    [[{ field: 'spec' }, { field: 'finalizers' }, { value: 'a' }], true],
  ] as const)('ownsPath %j -> %s', (path, want) => {
    expect(ownsPath(set, path)).toBe(want);
  });

  it('unions the shapes several managers know', () => {
    const u = unionSets([
      parseFieldsV1({ 'f:a': { 'f:b': {} } }),
      parseFieldsV1({ 'f:a': { 'f:c': {} } }),
      parseFieldsV1({ 'f:d': {} }),
    ]);
    expect([...u.children.keys()]).toEqual(['f:a', 'f:d']);
    expect([...nodeAt(u, [{ field: 'a' }])!.children.keys()]).toEqual(['f:b', 'f:c']);
    expect(nodeAt(u, [{ field: 'd' }])!.leaf).toBe(true);
    expect(elementKey({ index: 3 })).toBe('i:3');
  });

  it('reads managedFields entries, tolerating junk', () => {
    const sets = managerSets({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'x',
        managedFields: [
          { manager: 'drover', operation: 'Apply', fieldsV1: { 'f:data': { 'f:a': {} } } },
          { operation: 'Update', subresource: 'status', fieldsV1: 'nope' },
        ],
      },
    });
    expect(sets.map((s) => [s.manager, s.operation, s.subresource])).toEqual([
      ['drover', 'Apply', ''],
      ['', 'Update', 'status'],
    ]);
    expect(ownsPath(sets[0]!.set, [{ field: 'data' }, { field: 'a' }])).toBe(true);
    expect(sets[1]!.set.children.size).toBe(0);
    expect(managerSets({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).toEqual([]);
  });
});
