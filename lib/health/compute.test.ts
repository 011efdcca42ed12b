import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../object/ref.ts';
import { computeHealth } from './compute.ts';
import { KIND_RULES } from './rules/index.ts';
import type { HealthResult } from './status.ts';

const cases: [string, string | undefined, HealthResult][] = [
  ['no object', undefined, { status: 'NotFound', message: 'Object not found', reason: 'NotFound' }],

  [
    'being deleted, waiting for finalizers',
    `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: db, deletionTimestamp: "2025-01-10T10:00:00Z", deletionGracePeriodSeconds: 0, finalizers: [kubernetes.io/pvc-protection]}
status: {phase: Bound}
`,
    {
      status: 'Terminating',
      message: 'Being deleted; waiting for finalizers kubernetes.io/pvc-protection',
      reason: 'Terminating',
    },
  ],

  [
    'being deleted, no finalizers',
    `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web, generation: 3, deletionTimestamp: "2025-01-10T10:00:00Z"}
spec: {replicas: 1}
status: {observedGeneration: 2}
`,
    { status: 'Terminating', message: 'Being deleted', reason: 'Terminating' },
  ],

  [
    'generation not yet observed: status describes the old spec',
    `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web, generation: 5}
spec: {replicas: 3}
status:
  availableReplicas: 3
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable}
  observedGeneration: 4
  readyReplicas: 3
  replicas: 3
  updatedReplicas: 3
`,
    {
      status: 'InProgress',
      message: 'Waiting for the controller to observe generation 5',
      reason: 'ObservedGenerationLag',
    },
  ],

  [
    'just created Deployment with no status: not done, even at zero replicas',
    `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web, generation: 1}
spec: {replicas: 0}
`,
    {
      status: 'InProgress',
      message: 'Waiting for the controller to observe generation 1',
      reason: 'ObservedGenerationLag',
    },
  ],

  [
    'custom resource without observedGeneration: no lag assumed',
    `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: web, generation: 4}
spec: {size: 3}
`,
    { status: 'Current', message: 'Resource is current' },
  ],

  [
    'custom resource lagging',
    `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: web, generation: 4}
status:
  observedGeneration: 3
  conditions: [{type: Ready, status: "True"}]
`,
    {
      status: 'InProgress',
      message: 'Waiting for the controller to observe generation 4',
      reason: 'ObservedGenerationLag',
    },
  ],

  [
    'Stalled=True honoured on a kind with its own rule',
    `
apiVersion: v1
kind: Service
metadata: {name: api, namespace: web}
spec: {type: ClusterIP}
status:
  conditions:
  - {type: Stalled, status: "True", reason: AddressConflict, message: port 80 already allocated}
`,
    { status: 'Failed', message: 'Stalled: AddressConflict: port 80 already allocated', reason: 'AddressConflict' },
  ],

  [
    'the rule table is keyed by group too: a custom Deployment kind uses the fallback',
    `
apiVersion: example.com/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec: {replicas: 3}
`,
    { status: 'Current', message: 'Resource is current' },
  ],

  [
    'Secret: no status',
    `
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: web}
type: Opaque
data: {password: cGFzcw==}
`,
    { status: 'Current', message: 'Resource is current' },
  ],

  [
    'ServiceAccount: no status',
    `
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: web}
`,
    { status: 'Current', message: 'Resource is current' },
  ],

  [
    'Namespace rule via the table',
    `
apiVersion: v1
kind: Namespace
metadata: {name: web}
status: {phase: Active}
`,
    { status: 'Current', message: 'Namespace is active' },
  ],

  [
    'Job rule via the table',
    `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: web, generation: 1}
status:
  conditions: [{type: Failed, status: "True", reason: BackoffLimitExceeded, message: Job has reached the specified backoff limit}]
  failed: 7
`,
    {
      status: 'Failed',
      message: 'Job failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
      reason: 'BackoffLimitExceeded',
    },
  ],
];

describe('computeHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(computeHealth(doc === undefined ? undefined : (parse(doc) as KubeObject))).toEqual(expected);
  });

  // One minimal object per row of the table, each must reach that row's rule.
  const perKind: Record<string, string> = {
    'apps/Deployment': 'apps/v1',
    'apps/StatefulSet': 'apps/v1',
    'apps/DaemonSet': 'apps/v1',
    'apps/ReplicaSet': 'apps/v1',
    'batch/Job': 'batch/v1',
    'batch/CronJob': 'batch/v1',
    '/Pod': 'v1',
    '/Service': 'v1',
    '/PersistentVolumeClaim': 'v1',
    '/Namespace': 'v1',
    'apiextensions.k8s.io/CustomResourceDefinition': 'apiextensions.k8s.io/v1',
  };
  it('covers every row of KIND_RULES', () => {
    expect([...KIND_RULES.keys()].sort()).toEqual(Object.keys(perKind).sort());
  });
  it.each(Object.entries(perKind))('%s dispatches to its rule', (key, apiVersion) => {
    const kind = key.slice(key.indexOf('/') + 1);
    const obj: KubeObject = {
      apiVersion,
      kind,
      metadata: { name: 'x', namespace: 'n', generation: 1 },
      spec: { replicas: 2 },
      status: { observedGeneration: 1 },
    };
    expect(computeHealth(obj)).toEqual(KIND_RULES.get(key)?.health(obj));
  });
});
