import { describe, expect, it } from 'vitest';

import { parseAllDocuments } from 'yaml';

import { type KubeObject, refKey, refOf } from '../object/ref.ts';

import { delegatedPaths } from '../object/delegated.ts';
import { assessMember } from './assess.ts';

const docs = (s: string) => parseAllDocuments(s).map((d) => d.toJS() as KubeObject);
const [deploy, hpa, otherHpa] = docs(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {replicas: 2}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, minReplicas: 2, maxReplicas: 5}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: other}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}, maxReplicas: 5}
`) as [KubeObject, KubeObject, KubeObject];

describe('assessMember', () => {
  it('a gone object, or one being deleted, is missing', () => {
    expect(assessMember({ desired: deploy, live: null })).toEqual({ kind: 'missing', fields: [] });
    expect(
      assessMember({
        desired: deploy,
        live: { ...deploy, metadata: { ...deploy.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } },
      }),
    ).toEqual({ kind: 'missing', fields: [] });
  });

  it('changed with fields, or null when it matches', () => {
    expect(assessMember({ desired: deploy, live: { ...deploy, spec: { replicas: 3 } } })).toEqual({
      kind: 'changed',
      fields: [{ path: 'spec.replicas', desired: 2, live: 3, managers: [] }],
    });
    expect(
      assessMember({ desired: deploy, live: { ...deploy, spec: { replicas: 3 } }, ignore: ['spec.replicas'] }),
    ).toBeNull();
    expect(assessMember({ desired: deploy, live: deploy })).toBeNull();
  });
});

describe('delegatedPaths', () => {
  it('hands spec.replicas of a workload scaled by an HPA of the bundle to the autoscaler', () => {
    const m = delegatedPaths([deploy, hpa, otherHpa]);
    expect(m.get(refKey(refOf(deploy)))).toEqual(['spec.replicas']);
    expect(m.get(refKey({ group: 'apps', kind: 'Deployment', namespace: 'other', name: 'api' }))).toEqual([
      'spec.replicas',
    ]);
    expect(m.size).toBe(2);
    expect(delegatedPaths([deploy]).size).toBe(0);
  });
});
