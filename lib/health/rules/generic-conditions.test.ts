import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../object/ref.ts';
import type { HealthResult } from '../status.ts';
import { conditionsHealth } from './generic-conditions.ts';

const cases: [string, string, HealthResult][] = [
  [
    'ConfigMap: no status',
    `
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: web}
data: {LOG_LEVEL: info}
`,
    { status: 'Current', message: 'Resource is current' },
  ],

  [
    'ClusterRole: no status',
    `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
`,
    { status: 'Current', message: 'Resource is current' },
  ],

  [
    'custom resource with a status but no conditions',
    `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: web, generation: 1}
status: {observedGeneration: 1, size: 3}
`,
    { status: 'Current', message: 'Resource is current' },
  ],

  [
    'Ready=True',
    `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: api-tls, namespace: web, generation: 1}
status:
  conditions:
  - {type: Ready, status: "True", reason: Ready, message: Certificate is up to date and has not expired, observedGeneration: 1, lastTransitionTime: "2025-01-10T10:00:00Z"}
`,
    { status: 'Current', message: 'Ready: Certificate is up to date and has not expired' },
  ],

  [
    'Ready=False is InProgress, as in kstatus',
    `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: api-tls, namespace: web, generation: 1}
status:
  conditions:
  - {type: Ready, status: "False", reason: DoesNotExist, message: Issuing certificate as Secret does not exist, observedGeneration: 1}
  - {type: Issuing, status: "True", reason: DoesNotExist, observedGeneration: 1}
`,
    {
      status: 'InProgress',
      message: 'Waiting for Ready: DoesNotExist: Issuing certificate as Secret does not exist',
      reason: 'DoesNotExist',
    },
  ],

  [
    'Ready=Unknown',
    `
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: redis, namespace: web, generation: 2}
status:
  conditions:
  - {type: Ready, status: "Unknown", reason: Progressing, message: Fulfilling prerequisites, observedGeneration: 2}
`,
    {
      status: 'InProgress',
      message: 'Waiting for Ready: Progressing: Fulfilling prerequisites',
      reason: 'Progressing',
    },
  ],

  [
    'Ready=True but observed for an older generation',
    `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: api-tls, namespace: web, generation: 3}
status:
  conditions:
  - {type: Ready, status: "True", reason: Ready, observedGeneration: 2}
`,
    {
      status: 'InProgress',
      message: 'Waiting for the controller to observe generation 3',
      reason: 'ObservedGenerationLag',
    },
  ],

  [
    'Stalled=True is Failed',
    `
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system, generation: 1}
status:
  conditions:
  - {type: Ready, status: "False", reason: BuildFailed, message: kustomize build failed, observedGeneration: 1}
  - {type: Stalled, status: "True", reason: BuildFailed, message: kustomize build failed, observedGeneration: 1}
  observedGeneration: 1
`,
    { status: 'Failed', message: 'Stalled: BuildFailed: kustomize build failed', reason: 'BuildFailed' },
  ],

  [
    'Reconciling=True is InProgress',
    `
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system, generation: 1}
status:
  conditions:
  - {type: Reconciling, status: "True", reason: Progressing, message: Reconciliation in progress, observedGeneration: 1}
  - {type: Ready, status: "True", reason: ReconciliationSucceeded, observedGeneration: 1}
`,
    { status: 'InProgress', message: 'Reconciling: Progressing: Reconciliation in progress', reason: 'Progressing' },
  ],

  [
    'Stalled=False and Reconciling=False are ignored',
    `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: web}
status:
  conditions:
  - {type: Stalled, status: "False"}
  - {type: Reconciling, status: "False"}
  - {type: Ready, status: "True"}
`,
    { status: 'Current', message: 'Ready' },
  ],
];

describe('conditionsHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(conditionsHealth(parse(doc) as KubeObject)).toEqual(expected);
  });
});
