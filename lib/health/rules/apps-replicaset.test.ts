import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../object/ref.ts';
import type { HealthResult } from '../status.ts';
import { replicaSetHealth } from './apps-replicaset.ts';

const head = `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: api-7c5ddbdf54, namespace: web, generation: 1, labels: {app: api, pod-template-hash: 7c5ddbdf54}}
`;

const cases: [string, string, HealthResult][] = [
  [
    'all ready',
    `${head}
spec: {replicas: 3}
status: {availableReplicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1, readyReplicas: 3, replicas: 3}
`,
    { status: 'Current', message: 'All 3 replicas ready and available' },
  ],

  [
    'scaled to zero (old revision)',
    `${head}
spec: {replicas: 0}
status: {observedGeneration: 1, replicas: 0}
`,
    { status: 'Current', message: 'All 0 replicas ready and available' },
  ],

  [
    'creating',
    `${head}
spec: {replicas: 3}
status: {fullyLabeledReplicas: 1, observedGeneration: 1, replicas: 1}
`,
    { status: 'InProgress', message: 'Waiting for 1/3 replicas to be created', reason: 'ReplicasNotCreated' },
  ],

  [
    'not ready',
    `${head}
spec: {replicas: 3}
status: {availableReplicas: 1, fullyLabeledReplicas: 3, observedGeneration: 1, readyReplicas: 1, replicas: 3}
`,
    { status: 'InProgress', message: 'Waiting for 1/3 replicas to be ready', reason: 'ReplicasNotReady' },
  ],

  [
    'ready, not available',
    `${head}
spec: {replicas: 2, minReadySeconds: 30}
status: {availableReplicas: 0, fullyLabeledReplicas: 2, observedGeneration: 1, readyReplicas: 2, replicas: 2}
`,
    { status: 'InProgress', message: 'Waiting for 0/2 replicas to be available', reason: 'ReplicasNotAvailable' },
  ],

  [
    'scaling down',
    `${head}
spec: {replicas: 1}
status: {availableReplicas: 2, fullyLabeledReplicas: 2, observedGeneration: 1, readyReplicas: 2, replicas: 2}
`,
    { status: 'InProgress', message: 'Waiting for 1 extra replica to be terminated', reason: 'ExtraReplicasPending' },
  ],

  [
    'pods refused by quota',
    `${head}
spec: {replicas: 2}
status:
  conditions:
  - {type: ReplicaFailure, status: "True", reason: FailedCreate, lastTransitionTime: "2025-01-10T10:00:01Z", message: 'pods "api-7c5ddbdf54-q8xkz" is forbidden: exceeded quota: compute, requested: limits.cpu=2, used: limits.cpu=0, limited: limits.cpu=1'}
  observedGeneration: 1
  replicas: 0
`,
    {
      status: 'InProgress',
      message:
        'Cannot create replicas: pods "api-7c5ddbdf54-q8xkz" is forbidden: exceeded quota: compute, requested: limits.cpu=2, used: limits.cpu=0, limited: limits.cpu=1',
      reason: 'FailedCreate',
    },
  ],
];

describe('replicaSetHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(replicaSetHealth(parse(doc) as KubeObject)).toEqual(expected);
  });
});
