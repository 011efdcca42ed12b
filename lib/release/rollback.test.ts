import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { idOf, keyOf, type KubeObject } from '../object/ref.ts';
import type { Inventory, InventoryEntry } from './inventory.ts';
import { assembleRestoreEntries } from './rollback.ts';

const o = (yaml: string) => parse(yaml) as KubeObject;
const a = o('{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: n}}');
const b = o('{apiVersion: v1, kind: ConfigMap, metadata: {name: b, namespace: n}}');
const c = o('{apiVersion: v1, kind: Secret, metadata: {name: c, namespace: n}}');
const entry = (
  x: KubeObject,
  origin: InventoryEntry['origin'],
  extra: Partial<InventoryEntry> = {},
): InventoryEntry => ({
  ...idOf(x),
  origin,
  ...extra,
});
const inventory = (entries: InventoryEntry[], added: InventoryEntry[]): Inventory => ({
  bundle: 'web',
  current: { version: '1.0.0', digest: 'sha256:1', members: [] },
  pending: { version: '1.0.1', digest: 'sha256:2', members: [], releaseId: 7, startedAt: 't', entries: added },
  entries,
  exists: true,
});

describe('assembleRestoreEntries', () => {
  it.each([
    {
      name: 'a member of the ledger keeps its entry from before',
      desired: [a],
      inv: inventory([entry(a, 'adopted', { prior: { kind: 'Secret', name: 'p' } })], []),
      entries: [entry(a, 'adopted', { prior: { kind: 'Secret', name: 'p' } })],
      letGo: [],
    },
    {
      name: 'a member only the failed release recorded is held by what it added',
      desired: [a],
      inv: inventory([], [entry(a, 'shared')]),
      entries: [entry(a, 'shared')],
      letGo: [],
    },
    {
      name: 'a member no ledger knows is created, its origin unknown',
      desired: [a],
      inv: inventory([], []),
      entries: [entry(a, 'created', { unknown: true })],
      letGo: [],
    },
    {
      name: 'what the failed release added and the previous version lacks is let go; the ledger alone is not',
      desired: [a],
      inv: inventory([entry(a, 'created'), entry(c, 'created')], [entry(b, 'created'), entry(c, 'adopted')]),
      entries: [entry(a, 'created')],
      letGo: [entry(b, 'created'), entry(c, 'adopted')],
    },
  ])('$name', ({ desired, inv, entries, letGo }) => {
    const r = assembleRestoreEntries({ desired, inventory: inv });
    expect([...r.entries]).toEqual(entries.map((e, i) => [keyOf(desired[i]!), e]));
    expect(r.letGo).toEqual(letGo);
  });
});
