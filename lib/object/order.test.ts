import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { groupIntoStages, ReconcileOrder, sortForApply, stageNameOf } from './order.ts';
import { formatRef, refOf, type KubeObject } from './ref.ts';

function objects(yaml: string): KubeObject[] {
  return parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject);
}

describe('apply order', () => {
  it.each([
    ['apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'definitions'],
    ['v1', 'Namespace', 'definitions'],
    ['v1', 'ConfigMap', 'config'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'config'],
    ['scheduling.k8s.io/v1', 'PriorityClass', 'config'],
    ['v1', 'PersistentVolumeClaim', 'config'],
    ['v1', 'Service', 'services'],
    ['serving.knative.dev/v1', 'Service', 'rest'],
    ['batch/v1', 'CronJob', 'workloads'],
    ['networking.k8s.io/v1', 'Ingress', 'rest'],
    ['example.com/v1', 'Widget', 'rest'],
    ['admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'webhooks'],
  ])('%s %s -> %s', (apiVersion, kind, stage) => {
    expect(stageNameOf({ apiVersion, kind })).toBe(stage);
  });

  it('groups into non-empty stages deterministically, whatever the input order', () => {
    const input = objects(`
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: hook}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b, namespace: web}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: a, namespace: web}
---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: web}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa, namespace: web}
---
apiVersion: v1
kind: Namespace
metadata: {name: web}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i, namespace: web}
`);
    const expected = [
      ['Namespace/web'],
      ['ServiceAccount/web/sa', 'Secret/web/s'],
      ['Deployment/web/a', 'Deployment/web/b'],
      ['Ingress/web/i'],
      ['MutatingWebhookConfiguration/hook'],
    ];
    const names = (stages: KubeObject[][]) => stages.map((s) => s.map((o) => formatRef(refOf(o))));
    expect(names(groupIntoStages(input))).toEqual(expected);
    expect(names(groupIntoStages([...input].reverse()))).toEqual(expected);
    expect(sortForApply(input).map((o) => o.metadata.name)).toEqual(['web', 'sa', 's', 'a', 'b', 'i', 'hook']);
  });

  it('has unique stage names and kinds, with rest second to last and webhooks last', () => {
    const kinds = ReconcileOrder.flatMap((s) => s.kinds);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(ReconcileOrder.map((s) => s.name)).toEqual([
      'definitions',
      'config',
      'services',
      'workloads',
      'rest',
      'webhooks',
    ]);
  });
});
