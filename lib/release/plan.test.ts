import { describe, expect, it } from 'vitest';

import { parse } from 'yaml';

import { idOf, keyOf, type KubeObject } from '../object/ref.ts';
import { DEFAULT_POLICY, type BundlePolicy } from '../bundle/policy.ts';

import { assembleLiveReads, assemblePlan, summarizePlan } from './plan.ts';

const o = (yaml: string) => parse(yaml) as KubeObject;
const owned = (yaml: string) => o(yaml.replace('metadata: {', 'metadata: {annotations: {drover.dev/owner: web}, '));

describe('assemblePlan', () => {
  const cm1 = o('{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: n}, data: {k: "1"}}');
  const liveCm1 = { ...cm1, metadata: { ...cm1.metadata, resourceVersion: '7', managedFields: [{ manager: 'drover', time: 't1' }] } };
  const dryCm1 = { ...cm1, metadata: { ...cm1.metadata, resourceVersion: '7', managedFields: [{ manager: 'drover', time: 't2' }] } };
  const dryCm2 = { ...dryCm1, data: { k: '2' } };
  const svc = owned('{apiVersion: v1, kind: Service, metadata: {name: s, namespace: n}}');
  const foreign = o('{apiVersion: v1, kind: ConfigMap, metadata: {name: f, namespace: n}}');
  const pvc = owned('{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: p, namespace: n}}');

  it.each([
    ['absent -> create', null, undefined, 'create'],
    ['dry-run equals live (managedFields times aside) -> unchanged', liveCm1, dryCm1, 'unchanged'],
    ['dry-run differs -> update', liveCm1, dryCm2, 'update'],
  ] as const)('%s', (_name, live, dry, action) => {
    const plan = assemblePlan({
      bundle: 'web',
      desired: [cm1],
      live: new Map([[keyOf(cm1), live]]),
      dryRun: new Map(dry ? [[keyOf(cm1), dry]] : []),
      owned: [],
    });
    expect(plan.map((e) => [e.ref, e.action])).toEqual([['ConfigMap/n/a', action]]);
  });

  it('prunes owned objects that left the bundle, keeps foreign and protected ones, skips gone ones', () => {
    const gone = o('{apiVersion: v1, kind: Secret, metadata: {name: g, namespace: n}}');
    const plan = assemblePlan({
      bundle: 'web',
      desired: [cm1],
      live: new Map([
        [keyOf(cm1), liveCm1],
        [keyOf(svc), svc],
        [keyOf(foreign), foreign],
        [keyOf(pvc), pvc],
        [keyOf(gone), null],
      ]),
      dryRun: new Map([[keyOf(cm1), dryCm1]]),
      owned: [idOf(cm1), idOf(svc), idOf(foreign), idOf(pvc), idOf(gone), idOf(svc)],
    });
    expect(plan.map((e) => [e.ref, e.action, e.reason])).toEqual([
      ['ConfigMap/n/a', 'unchanged', undefined],
      ['Service/n/s', 'prune', undefined],
      ['ConfigMap/n/f', 'keep', 'not marked as owned by Drover'],
      ['PersistentVolumeClaim/n/p', 'keep', 'PersistentVolumeClaim is protected from pruning (bundle policy prune.protected)'],
    ]);
    expect(summarizePlan(plan)).toEqual({ create: 0, update: 0, unchanged: 1, prune: 1, keep: 2 });
  });
});

describe('assemblePlan: what leaves the cluster, by policy and mode', () => {
  const ns = owned('{apiVersion: v1, kind: Namespace, metadata: {name: pay}}');
  const crd = owned('{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, metadata: {name: widgets.example.com}}');
  const cm = owned('{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: pay}}');
  const all = [ns, crd, cm];
  const policy = (prune: Partial<BundlePolicy['prune']>): BundlePolicy => ({ ...DEFAULT_POLICY, prune: { ...DEFAULT_POLICY.prune, ...prune } });
  const protectedReason = (kind: string) => `${kind} is protected from pruning (bundle policy prune.protected)`;

  it.each([
    ['release, defaults: dropped objects pruned, protected kinds kept', 'release', policy({}), [], [['prune'], ['keep', protectedReason('Namespace')], ['keep', protectedReason('CustomResourceDefinition')]]],
    ['release, prune.enabled false: everything kept and said why', 'release', policy({ enabled: false }), [], [['keep', 'pruning is off for this bundle (spec.prune.enabled: false)'], ['keep', 'pruning is off for this bundle (spec.prune.enabled: false)'], ['keep', 'pruning is off for this bundle (spec.prune.enabled: false)']]],
    ['release, prune.protected: protected kinds pruned too', 'release', policy({ protected: true }), [], [['prune'], ['prune'], ['prune']]],
    ['rollback, defaults: what the release added goes, protected kinds stay', 'rollback', policy({}), [ns, crd], [['prune'], ['keep', protectedReason('Namespace')], ['keep', protectedReason('CustomResourceDefinition')]]],
    ['rollback, prune.protected: protected kinds the release created go', 'rollback', policy({ protected: true }), [ns, crd], [['prune'], ['prune'], ['prune']]],
    ['rollback, prune.protected: a Namespace that existed before stays', 'rollback', policy({ protected: true }), [crd], [['prune'], ['keep', 'Namespace existed before the release being rolled back'], ['prune']]],
    ['rollback ignores prune.enabled: undoing is not pruning', 'rollback', policy({ enabled: false }), [], [['prune'], ['keep', protectedReason('Namespace')], ['keep', protectedReason('CustomResourceDefinition')]]],
    ['retire, prune.protected: all of it', 'retire', policy({ protected: true }), [], [['prune'], ['prune'], ['prune']]],
  ] as const)('%s', (_name, mode, pol, created, expected) => {
    const plan = assemblePlan({
      bundle: 'web',
      desired: [],
      live: new Map(all.map((x) => [keyOf(x), x])),
      dryRun: new Map(),
      owned: [idOf(cm), idOf(ns), idOf(crd)],
      policy: pol,
      mode,
      created: new Set(created.map(keyOf)),
    });
    expect(plan.map((e) => (e.reason ? [e.action, e.reason] : [e.action]))).toEqual(expected);
  });
});

describe('assembleLiveReads', () => {
  const id = (kind: string, name: string, namespace = 'n', apiVersion = 'v1') => ({ apiVersion, kind, namespace, name });
  const cms = ['a', 'b', 'c'].map((n) => id('ConfigMap', n));

  it.each([
    ['three of a kind in a namespace -> one LIST', cms, [['v1 ConfigMap n', ['a', 'b', 'c']]], []],
    ['two of a kind -> a GET each', cms.slice(0, 2), [], ['ConfigMap/a', 'ConfigMap/b']],
    ['duplicates count once', [cms[0]!, cms[1]!, cms[0]!, cms[1]!], [], ['ConfigMap/a', 'ConfigMap/b']],
    ['the same kind in other namespaces is another group', [...cms.slice(0, 2), id('ConfigMap', 'c', 'm')], [], ['ConfigMap/a', 'ConfigMap/b', 'ConfigMap/c']],
    [
      'kinds are grouped apart; a few of a kind stay GETs',
      [...cms, id('Service', 's'), id('Deployment', 'd1', 'n', 'apps/v1'), id('Deployment', 'd2', 'n', 'apps/v1'), id('Deployment', 'd3', 'n', 'apps/v1')],
      [
        ['v1 ConfigMap n', ['a', 'b', 'c']],
        ['apps/v1 Deployment n', ['d1', 'd2', 'd3']],
      ],
      ['Service/s'],
    ],
    ['cluster-scoped kinds group under the empty namespace', ['x', 'y', 'z'].map((n) => id('ClusterRole', n, '', 'rbac.authorization.k8s.io/v1')), [['rbac.authorization.k8s.io/v1 ClusterRole ', ['x', 'y', 'z']]], []],
  ] as const)('%s', (_name, ids, lists, gets) => {
    const reads = assembleLiveReads(ids);
    expect(reads.lists.map((l) => [`${l.apiVersion} ${l.kind} ${l.namespace}`, l.members.map((m) => m.name)])).toEqual(lists);
    expect(reads.gets.map((m) => `${m.kind}/${m.name}`)).toEqual(gets);
  });

  it('takes the threshold as an argument', () => {
    expect(assembleLiveReads(cms, 4).lists).toEqual([]);
    expect(assembleLiveReads(cms.slice(0, 1), 1).lists).toHaveLength(1);
  });
});
