import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { idOf, type KubeObject } from '../object/ref.ts';
import type { InventoryEntry } from './inventory.ts';
import { type Claim, dropVerdict, judgeMember, withOwnership } from './ownership.ts';

const obj = (yaml: string) => parse(yaml) as KubeObject;
const cm = obj('{apiVersion: v1, kind: ConfigMap, metadata: {name: legacy, namespace: shop}, data: {k: v}}');
const id = idOf(cm);
const entry = (origin: InventoryEntry['origin'], extra: Partial<InventoryEntry> = {}): InventoryEntry => ({
  ...id,
  origin,
  ...extra,
});
const claim = (bundle: string, e: InventoryEntry): Claim => ({ bundle, entry: e });

describe('withOwnership', () => {
  it('adds the bundle label and owner annotation without touching the rest', () => {
    const o = obj('{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: n, labels: {x: y}}, data: {k: v}}');
    const owned = withOwnership(o, 'web');
    expect(owned.metadata.labels).toEqual({ x: 'y', 'drover.dev/bundle': 'web' });
    expect(owned.metadata.annotations).toEqual({ 'drover.dev/owner': 'web' });
    expect(owned.data).toEqual({ k: 'v' });
    expect(o.metadata.labels).toEqual({ x: 'y' });
  });

  it('marks a shared member with one label key per bundle and no single-valued marks', () => {
    const shared = withOwnership(cm, 'web', { shared: true });
    expect(shared.metadata.labels).toEqual({ 'drover.dev/bundle.web': 'true' });
    expect(shared.metadata.annotations).toBeUndefined();
  });
});

describe('judgeMember', () => {
  const base = { bundle: 'web', id, own: undefined, claims: [] as Claim[], shared: false, adoptable: false };
  it.each([
    ['absent: created', { live: null }, 'create', 'created'],
    ['absent, declared shared: shared, created by Drover', { live: null, shared: true }, 'create', 'shared'],
    ['exists, in the ledger: owned as recorded', { live: cm, own: entry('adopted') }, 'owned', 'adopted'],
    [
      'in the ledger as created-kept and wanted again: created',
      { live: cm, own: entry('created-kept') },
      'owned',
      'created',
    ],
    ['exists, selected by spec.adopt: adopted', { live: cm, adoptable: true }, 'adopt', 'adopted'],
    [
      'exists, shared here and recorded shared by another bundle: joined',
      { live: cm, shared: true, claims: [claim('api', entry('shared', { createdByDrover: true }))] },
      'join',
      'shared',
    ],
  ] as const)('%s', (_n, over, kind, origin) => {
    const j = judgeMember({ ...base, ...over });
    expect(j.kind).toBe(kind);
    expect(j.kind !== 'foreign' && j.entry.origin).toBe(origin);
  });

  it('refuses an existing object nobody recorded, naming the spec.adopt line', () => {
    const j = judgeMember({ ...base, live: cm });
    expect(j).toEqual({
      kind: 'foreign',
      message: 'ConfigMap/shop/legacy exists and is not owned by bundle web; adopt it with spec.adopt',
      adopt: { kind: 'ConfigMap', namespace: 'shop', name: 'legacy' },
    });
  });

  it.each([
    [
      'another bundle holds it (not shared): foreign even with spec.adopt',
      { adoptable: true, claims: [claim('api', entry('created'))] },
    ],
    [
      'shared here, but the other bundle holds it as its own: foreign',
      { shared: true, claims: [claim('api', entry('created'))] },
    ],
    ['shared here, nobody records it: foreign (sharing needs a recorded sharer)', { shared: true }],
  ] as const)('%s', (_n, over) => {
    expect(judgeMember({ ...base, live: cm, ...over }).kind).toBe('foreign');
  });
});

describe('dropVerdict', () => {
  const prune = { enabled: true, protected: false };
  const pvc = obj('{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: p, namespace: shop}}');
  const owned = obj(
    '{apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: r, namespace: shop, ownerReferences: [{kind: Deployment}]}}',
  );
  it.each([
    ['created: deleted', entry('created'), cm, [], 'release', prune, 'delete'],
    [
      'created, another bundle claims it: only this bundle lets go',
      entry('created'),
      cm,
      [claim('api', entry('shared'))],
      'release',
      prune,
      'release',
    ],
    [
      'adopted, dropped: released, never deleted',
      entry('adopted', { prior: { kind: 'ConfigMap', name: 'p' } }),
      cm,
      [],
      'release',
      prune,
      'release',
    ],
    ['adopted, retired: released', entry('adopted'), cm, [], 'retire', prune, 'release'],
    [
      'adopted by the release being rolled back: restored',
      entry('adopted', { prior: { kind: 'ConfigMap', name: 'p' } }),
      cm,
      [],
      'rollback',
      prune,
      'restore',
    ],
    [
      'adopted, prior unknown, rolled back: released',
      entry('adopted', { priorUnknown: true }),
      cm,
      [],
      'rollback',
      prune,
      'release',
    ],
    ['shared, not created by Drover: released', entry('shared'), cm, [], 'release', prune, 'release'],
    [
      'shared, created by Drover, last claimer: deleted',
      entry('shared', { createdByDrover: true }),
      cm,
      [],
      'release',
      prune,
      'delete',
    ],
    ['prune.enabled false: kept', entry('created'), cm, [], 'release', { enabled: false, protected: false }, 'keep'],
    [
      'rollback ignores prune.enabled',
      entry('created'),
      cm,
      [],
      'rollback',
      { enabled: false, protected: false },
      'delete',
    ],
    ['created-kept, released again: kept', entry('created-kept'), cm, [], 'release', prune, 'keep'],
    ['protected kind: kept', entry('created'), pvc, [], 'release', prune, 'keep'],
    [
      'protected kind with prune.protected: deleted',
      entry('created'),
      pvc,
      [],
      'retire',
      { enabled: true, protected: true },
      'delete',
    ],
    ['ownerReferences: kept', entry('created'), owned, [], 'retire', prune, 'keep'],
    [
      'a namespace created for members: kept even with prune.protected',
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        namespace: '',
        name: 'shop',
        origin: 'created',
        implicit: true,
      } as InventoryEntry,
      obj('{apiVersion: v1, kind: Namespace, metadata: {name: shop}}'),
      [],
      'retire',
      { enabled: true, protected: true },
      'keep',
    ],
  ] as const)('%s', (_n, e, live, claims, mode, p, action) => {
    expect(dropVerdict({ entry: e, live, claims, mode, prune: p }).action).toBe(action);
  });

  it('an adopted object keeps its values when released; a still-claimed one loses only its own fields', () => {
    expect(dropVerdict({ entry: entry('adopted'), live: cm, claims: [], mode: 'release', prune })).toMatchObject({
      keepValues: true,
    });
    expect(
      dropVerdict({
        entry: entry('created'),
        live: cm,
        claims: [claim('api', entry('shared'))],
        mode: 'release',
        prune,
      }),
    ).toMatchObject({ keepValues: false, reason: expect.stringContaining('api') });
  });
});
