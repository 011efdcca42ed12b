import { describe, expect, it } from 'vitest';

import { parse } from 'yaml';

import { idOf, keyOf, type KubeObject } from '../object/ref.ts';
import type { InventoryEntry } from './inventory.ts';

import { assembleLiveReads, assemblePlan, ledgerAfter, summarizePlan } from './plan.ts';

const o = (yaml: string) => parse(yaml) as KubeObject;

describe('assemblePlan', () => {
  const cm1 = o('{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: n}, data: {k: "1"}}');
  const liveCm1 = {
    ...cm1,
    metadata: { ...cm1.metadata, resourceVersion: '7', managedFields: [{ manager: 'drover', time: 't1' }] },
  };
  const dryCm1 = {
    ...cm1,
    metadata: { ...cm1.metadata, resourceVersion: '7', managedFields: [{ manager: 'drover', time: 't2' }] },
  };
  const dryCm2 = { ...dryCm1, data: { k: '2' } };
  const svc = o('{apiVersion: v1, kind: Service, metadata: {name: s, namespace: n}}');
  const adopted = o('{apiVersion: v1, kind: ConfigMap, metadata: {name: f, namespace: n}}');
  const pvc = o('{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: p, namespace: n}}');
  const entry = (
    x: KubeObject,
    origin: InventoryEntry['origin'],
    extra: Partial<InventoryEntry> = {},
  ): InventoryEntry => ({ ...idOf(x), origin, ...extra });

  it.each([
    ['absent -> create', null, undefined, 'create'],
    ['dry-run equals live (managedFields times aside) -> unchanged', liveCm1, dryCm1, 'unchanged'],
    ['dry-run differs -> update', liveCm1, dryCm2, 'update'],
  ] as const)('%s', (_name, live, dry, action) => {
    const plan = assemblePlan({
      desired: [cm1],
      live: new Map([[keyOf(cm1), live]]),
      dryRun: new Map(dry ? [[keyOf(cm1), dry]] : []),
      held: [],
    });
    expect(plan.map((e) => [e.ref, e.action])).toEqual([['ConfigMap/n/a', action]]);
  });

  it('lets go of what left the bundle by its recorded origin: created is pruned, adopted released, protected kept; gone ones skipped', () => {
    const gone = o('{apiVersion: v1, kind: Secret, metadata: {name: g, namespace: n}}');
    const plan = assemblePlan({
      desired: [cm1],
      live: new Map([
        [keyOf(cm1), liveCm1],
        [keyOf(svc), svc],
        [keyOf(adopted), adopted],
        [keyOf(pvc), pvc],
        [keyOf(gone), null],
      ]),
      dryRun: new Map([[keyOf(cm1), dryCm1]]),
      entries: new Map([[keyOf(cm1), entry(cm1, 'created')]]),
      held: [
        entry(cm1, 'created'),
        entry(svc, 'created'),
        entry(adopted, 'adopted'),
        entry(pvc, 'created'),
        entry(gone, 'created'),
        entry(svc, 'created'),
      ],
    });
    expect(plan.map((e) => [e.ref, e.action, e.reason])).toEqual([
      ['ConfigMap/n/a', 'unchanged', undefined],
      ['Service/n/s', 'prune', undefined],
      ['ConfigMap/n/f', 'release', 'adopted: released, never deleted'],
      [
        'PersistentVolumeClaim/n/p',
        'keep',
        'PersistentVolumeClaim is protected from pruning (bundle policy prune.protected)',
      ],
    ]);
    expect(summarizePlan(plan)).toEqual({
      create: 0,
      update: 0,
      unchanged: 1,
      prune: 1,
      keep: 1,
      release: 1,
      restore: 0,
    });
  });

  it('never prunes what another bundle still claims', () => {
    const plan = assemblePlan({
      desired: [],
      live: new Map([[keyOf(svc), svc]]),
      dryRun: new Map(),
      held: [entry(svc, 'shared', { createdByDrover: true })],
      claims: new Map([[keyOf(svc), [{ bundle: 'api', entry: entry(svc, 'shared', { createdByDrover: true }) }]]]),
    });
    expect(plan.map((e) => [e.action, e.keepValues])).toEqual([['release', false]]);
  });
});

describe('ledgerAfter', () => {
  const cm = o('{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: n}}');
  const ns = o('{apiVersion: v1, kind: Namespace, metadata: {name: n}}');
  const gone = o('{apiVersion: v1, kind: Service, metadata: {name: s, namespace: n}}');
  it('keeps members by their entries, kept objects as created-kept, carried entries; drops what was let go', () => {
    const e = (x: KubeObject, origin: InventoryEntry['origin']): InventoryEntry => ({ ...idOf(x), origin });
    const plan = assemblePlan({
      desired: [cm],
      live: new Map([
        [keyOf(cm), null],
        [keyOf(ns), ns],
        [keyOf(gone), gone],
      ]),
      dryRun: new Map(),
      entries: new Map([[keyOf(cm), e(cm, 'adopted')]]),
      held: [e(ns, 'created'), e(gone, 'created')],
    });
    const carried = {
      apiVersion: 'v1',
      kind: 'Namespace',
      namespace: '',
      name: 'other',
      origin: 'created' as const,
      implicit: true,
    };
    expect(
      ledgerAfter(plan, [carried])
        .map((x) => `${x.kind}/${x.name}:${x.origin}`)
        .sort(),
    ).toEqual(['ConfigMap/c:adopted', 'Namespace/n:created-kept', 'Namespace/other:created']);
  });
});

describe('assembleLiveReads', () => {
  const id = (kind: string, name: string, namespace = 'n', apiVersion = 'v1') => ({
    apiVersion,
    kind,
    namespace,
    name,
  });
  const cms = ['a', 'b', 'c'].map((n) => id('ConfigMap', n));

  it.each([
    ['three of a kind in a namespace -> one LIST', cms, [['v1 ConfigMap n', ['a', 'b', 'c']]], []],
    ['two of a kind -> a GET each', cms.slice(0, 2), [], ['ConfigMap/a', 'ConfigMap/b']],
    ['duplicates count once', [cms[0]!, cms[1]!, cms[0]!, cms[1]!], [], ['ConfigMap/a', 'ConfigMap/b']],
    [
      'the same kind in other namespaces is another group',
      [...cms.slice(0, 2), id('ConfigMap', 'c', 'm')],
      [],
      ['ConfigMap/a', 'ConfigMap/b', 'ConfigMap/c'],
    ],
    [
      'kinds are grouped apart; a few of a kind stay GETs',
      [
        ...cms,
        id('Service', 's'),
        id('Deployment', 'd1', 'n', 'apps/v1'),
        id('Deployment', 'd2', 'n', 'apps/v1'),
        id('Deployment', 'd3', 'n', 'apps/v1'),
      ],
      [
        ['v1 ConfigMap n', ['a', 'b', 'c']],
        ['apps/v1 Deployment n', ['d1', 'd2', 'd3']],
      ],
      ['Service/s'],
    ],
    [
      'cluster-scoped kinds group under the empty namespace',
      ['x', 'y', 'z'].map((n) => id('ClusterRole', n, '', 'rbac.authorization.k8s.io/v1')),
      [['rbac.authorization.k8s.io/v1 ClusterRole ', ['x', 'y', 'z']]],
      [],
    ],
  ] as const)('%s', (_name, ids, lists, gets) => {
    const reads = assembleLiveReads(ids);
    expect(reads.lists.map((l) => [`${l.apiVersion} ${l.kind} ${l.namespace}`, l.members.map((m) => m.name)])).toEqual(
      lists,
    );
    expect(reads.gets.map((m) => `${m.kind}/${m.name}`)).toEqual(gets);
  });

  it('takes the threshold as an argument', () => {
    expect(assembleLiveReads(cms, 4).lists).toEqual([]);
    expect(assembleLiveReads(cms.slice(0, 1), 1).lists).toHaveLength(1);
  });
});
