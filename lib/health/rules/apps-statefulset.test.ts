import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../object/ref.ts';
import type { HealthResult } from '../status.ts';
import { statefulSetHealth } from './apps-statefulset.ts';

const head = `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data, generation: 3}
`;

const cases: [string, string, HealthResult][] = [
  [
    'rolled out (API server defaults partition 0)',
    `${head}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 0}}}
status:
  availableReplicas: 3
  collisionCount: 0
  currentReplicas: 3
  currentRevision: db-7b9c5f8d6
  observedGeneration: 3
  readyReplicas: 3
  replicas: 3
  updateRevision: db-7b9c5f8d6
  updatedReplicas: 3
`,
    { status: 'Current', message: 'All 3 replicas updated and ready' },
  ],

  [
    'creating ordinals',
    `${head}
spec: {replicas: 3}
status: {availableReplicas: 1, currentReplicas: 2, currentRevision: db-7b9c5f8d6, observedGeneration: 3, readyReplicas: 1, replicas: 2, updateRevision: db-7b9c5f8d6, updatedReplicas: 2}
`,
    { status: 'InProgress', message: 'Waiting for 2/3 replicas to be created', reason: 'ReplicasNotCreated' },
  ],

  [
    'scaling down',
    `${head}
spec: {replicas: 1}
status: {availableReplicas: 2, currentReplicas: 2, currentRevision: db-7b9c5f8d6, observedGeneration: 3, readyReplicas: 2, replicas: 2, updateRevision: db-7b9c5f8d6, updatedReplicas: 2}
`,
    { status: 'InProgress', message: 'Waiting for 1 extra replica to be terminated', reason: 'ExtraReplicasPending' },
  ],

  [
    'not ready',
    `${head}
spec: {replicas: 3}
status: {availableReplicas: 2, currentReplicas: 3, currentRevision: db-7b9c5f8d6, observedGeneration: 3, readyReplicas: 2, replicas: 3, updateRevision: db-7b9c5f8d6, updatedReplicas: 3}
`,
    { status: 'InProgress', message: 'Waiting for 2/3 replicas to be ready', reason: 'ReplicasNotReady' },
  ],

  [
    'ready, not available (minReadySeconds)',
    `${head}
spec: {replicas: 3, minReadySeconds: 10}
status: {availableReplicas: 0, currentReplicas: 3, currentRevision: db-7b9c5f8d6, observedGeneration: 3, readyReplicas: 3, replicas: 3, updateRevision: db-7b9c5f8d6, updatedReplicas: 3}
`,
    { status: 'InProgress', message: 'Waiting for 0/3 replicas to be available', reason: 'ReplicasNotAvailable' },
  ],

  [
    'rolling update in progress (ordinals updated from the top)',
    `${head}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 0}}}
status: {availableReplicas: 3, currentReplicas: 2, currentRevision: db-7b9c5f8d6, observedGeneration: 3, readyReplicas: 3, replicas: 3, updateRevision: db-5d4c8b9f7, updatedReplicas: 1}
`,
    { status: 'InProgress', message: 'Waiting for 1/3 replicas to be updated', reason: 'ReplicasNotUpdated' },
  ],

  [
    'all updated, revision not yet current',
    `${head}
spec: {replicas: 3}
status: {availableReplicas: 3, currentReplicas: 0, currentRevision: db-7b9c5f8d6, observedGeneration: 3, readyReplicas: 3, replicas: 3, updateRevision: db-5d4c8b9f7, updatedReplicas: 3}
`,
    {
      status: 'InProgress',
      message: 'Waiting for update revision db-5d4c8b9f7 to become current (current: db-7b9c5f8d6)',
      reason: 'RevisionNotCurrent',
    },
  ],

  [
    'partition 2 of 3: waiting for the one ordinal above it',
    `${head}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}}
status: {availableReplicas: 3, currentReplicas: 3, currentRevision: db-7b9c5f8d6, observedGeneration: 3, readyReplicas: 3, replicas: 3, updateRevision: db-5d4c8b9f7, updatedReplicas: 0}
`,
    {
      status: 'InProgress',
      message: 'Waiting for 0/1 replicas to be updated (partition 2)',
      reason: 'ReplicasNotUpdated',
    },
  ],

  [
    'partition 2 of 3: done, lower ordinals stay on the old revision',
    `${head}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}}
status: {availableReplicas: 3, currentReplicas: 2, currentRevision: db-7b9c5f8d6, observedGeneration: 3, readyReplicas: 3, replicas: 3, updateRevision: db-5d4c8b9f7, updatedReplicas: 1}
`,
    { status: 'Current', message: 'Partitioned rollout complete: 1/3 replicas updated (partition 2)' },
  ],

  [
    'OnDelete: old revision kept until pods are deleted',
    `${head}
spec: {replicas: 2, updateStrategy: {type: OnDelete}}
status: {availableReplicas: 2, currentReplicas: 2, currentRevision: db-7b9c5f8d6, observedGeneration: 3, readyReplicas: 2, replicas: 2, updateRevision: db-5d4c8b9f7}
`,
    { status: 'Current', message: 'All 2 replicas ready (OnDelete: Pods are updated only when deleted)' },
  ],
];

describe('statefulSetHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(statefulSetHealth(parse(doc) as KubeObject)).toEqual(expected);
  });
});
