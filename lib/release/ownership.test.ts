import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../object/ref.ts';
import { pruneVerdict, withOwnership } from './ownership.ts';

const obj = (yaml: string) => parse(yaml) as KubeObject;

describe('ownership', () => {
  it('adds the label and annotation without touching the rest', () => {
    const o = obj('{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: n, labels: {x: y}}, data: {k: v}}');
    const owned = withOwnership(o, 'web');
    expect(owned.metadata.labels).toEqual({ x: 'y', 'drover.dev/bundle': 'web' });
    expect(owned.metadata.annotations).toEqual({ 'drover.dev/owner': 'web' });
    expect(owned.data).toEqual({ k: 'v' });
    expect(o.metadata.labels).toEqual({ x: 'y' });
  });

  it.each([
    ['{apiVersion: v1, kind: ConfigMap, metadata: {name: a, annotations: {drover.dev/owner: web}}}', { prune: true }],
    ['{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}', { prune: false, reason: 'not marked as owned by Drover' }],
    ['{apiVersion: v1, kind: ConfigMap, metadata: {name: a, annotations: {drover.dev/owner: api}}}', { prune: false, reason: 'owned by bundle api' }],
    ['{apiVersion: v1, kind: ReplicaSet, metadata: {name: a, annotations: {drover.dev/owner: web}, ownerReferences: [{kind: Deployment}]}}', { prune: false, reason: 'has ownerReferences (managed by a controller)' }],
    ['{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: a, annotations: {drover.dev/owner: web}}}', { prune: false, reason: 'PersistentVolumeClaim is protected from pruning (bundle policy prune.protected)' }],
    ['{apiVersion: v1, kind: Namespace, metadata: {name: a, annotations: {drover.dev/owner: web}}}', { prune: false, reason: 'Namespace is protected from pruning (bundle policy prune.protected)' }],
  ])('prune verdict for %s', (yaml, verdict) => {
    expect(pruneVerdict(obj(yaml), 'web')).toEqual(verdict);
  });

  it('prunes protected kinds only when the bundle opts in', () => {
    const pvc = obj('{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: a, annotations: {drover.dev/owner: web}}}');
    expect(pruneVerdict(pvc, 'web', { pruneProtected: true })).toEqual({ prune: true });
  });
});
