import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './ref.ts';
import { delegatedPaths, withoutDelegatedFields } from './delegated.ts';

const objects = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject);
const [deploy, hpa, otherHpa, other] = objects(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec: {replicas: 2, template: {spec: {containers: [{name: api}]}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: web}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}, minReplicas: 2, maxReplicas: 5}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: other}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}, maxReplicas: 5}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: web}
spec: {replicas: 3}
`) as [KubeObject, KubeObject, KubeObject, KubeObject];

describe('delegatedPaths', () => {
  it('hands spec.replicas of a workload an HPA in the same namespace scales to the HPA', () => {
    expect([...delegatedPaths([deploy, hpa, otherHpa, other])]).toEqual([
      ['apps|Deployment|web|api', ['spec.replicas']],
      ['apps|Deployment|other|api', ['spec.replicas']],
    ]);
    expect(delegatedPaths([deploy, other]).size).toBe(0);
  });
});

describe('withoutDelegatedFields', () => {
  it('drops the delegated fields from copies and leaves everything else alone', () => {
    const out = withoutDelegatedFields([deploy, hpa, other]);
    expect(out[0]!.spec).toEqual({ template: { spec: { containers: [{ name: 'api' }] } } });
    expect(out[1]).toBe(hpa);
    expect(out[2]).toBe(other);
    expect(deploy.spec).toHaveProperty('replicas', 2);
  });
});
