import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../object/ref.ts';
import type { HealthResult } from '../status.ts';
import { deploymentHealth } from './apps-deployment.ts';

const head = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web, generation: 2}
`;

const cases: [string, string, HealthResult][] = [
  [
    'rolled out',
    `${head}
spec: {replicas: 3, progressDeadlineSeconds: 600}
status:
  availableReplicas: 3
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable, message: Deployment has minimum availability., lastTransitionTime: "2025-01-10T10:00:05Z", lastUpdateTime: "2025-01-10T10:00:05Z"}
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable, message: ReplicaSet "api-7c5ddbdf54" has successfully progressed., lastTransitionTime: "2025-01-10T10:00:00Z", lastUpdateTime: "2025-01-10T10:00:05Z"}
  observedGeneration: 2
  readyReplicas: 3
  replicas: 3
  updatedReplicas: 3
`,
    { status: 'Current', message: 'All 3 replicas updated and available' },
  ],

  [
    'spec.replicas defaults to 1',
    `${head}
spec: {}
status:
  availableReplicas: 1
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable}
  observedGeneration: 2
  readyReplicas: 1
  replicas: 1
  updatedReplicas: 1
`,
    { status: 'Current', message: 'All 1 replica updated and available' },
  ],

  [
    'scaled to zero',
    `${head}
spec: {replicas: 0}
status:
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable}
  observedGeneration: 2
`,
    { status: 'Current', message: 'All 0 replicas updated and available' },
  ],

  [
    'mid rollout: new ReplicaSet scaling up',
    `${head}
spec: {replicas: 3}
status:
  availableReplicas: 3
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "True", reason: ReplicaSetUpdated, message: ReplicaSet "api-6b8f9d7c4d" is progressing.}
  observedGeneration: 2
  readyReplicas: 3
  replicas: 4
  unavailableReplicas: 1
  updatedReplicas: 1
`,
    { status: 'InProgress', message: 'Waiting for 1/3 replicas to be updated', reason: 'ReplicasNotUpdated' },
  ],

  [
    'old replicas still present',
    `${head}
spec: {replicas: 3}
status:
  availableReplicas: 3
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "True", reason: ReplicaSetUpdated}
  observedGeneration: 2
  readyReplicas: 4
  replicas: 4
  updatedReplicas: 3
`,
    { status: 'InProgress', message: 'Waiting for 1 old replica to be terminated', reason: 'OldReplicasPending' },
  ],

  [
    'updated but not ready',
    `${head}
spec: {replicas: 3}
status:
  availableReplicas: 2
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "True", reason: ReplicaSetUpdated}
  observedGeneration: 2
  readyReplicas: 2
  replicas: 3
  unavailableReplicas: 1
  updatedReplicas: 3
`,
    { status: 'InProgress', message: 'Waiting for 2/3 replicas to be ready', reason: 'ReplicasNotReady' },
  ],

  [
    'ready but not yet available (minReadySeconds)',
    `${head}
spec: {replicas: 3, minReadySeconds: 30}
status:
  availableReplicas: 1
  conditions:
  - {type: Available, status: "False", reason: MinimumReplicasUnavailable}
  - {type: Progressing, status: "True", reason: ReplicaSetUpdated}
  observedGeneration: 2
  readyReplicas: 3
  replicas: 3
  unavailableReplicas: 2
  updatedReplicas: 3
`,
    { status: 'InProgress', message: 'Waiting for 1/3 replicas to be available', reason: 'ReplicasNotAvailable' },
  ],

  [
    'counts done, controller not yet reporting NewReplicaSetAvailable',
    `${head}
spec: {replicas: 2}
status:
  availableReplicas: 2
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "True", reason: ReplicaSetUpdated, message: ReplicaSet "api-6b8f9d7c4d" is progressing.}
  observedGeneration: 2
  readyReplicas: 2
  replicas: 2
  updatedReplicas: 2
`,
    {
      status: 'InProgress',
      message: 'Waiting for the rollout to finish: ReplicaSet "api-6b8f9d7c4d" is progressing.',
      reason: 'RolloutNotFinished',
    },
  ],

  [
    'no progress deadline: Progressing reason is not awaited',
    `${head}
spec: {replicas: 1, progressDeadlineSeconds: 2147483647}
status:
  availableReplicas: 1
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  observedGeneration: 2
  readyReplicas: 1
  replicas: 1
  updatedReplicas: 1
`,
    { status: 'Current', message: 'All 1 replica updated and available' },
  ],

  [
    'KWOK crash-looping pods: Running, not Ready, before the deadline',
    `${head}
spec: {replicas: 2, progressDeadlineSeconds: 30}
status:
  conditions:
  - {type: Available, status: "False", reason: MinimumReplicasUnavailable, message: Deployment does not have minimum availability.}
  - {type: Progressing, status: "True", reason: ReplicaSetUpdated, message: ReplicaSet "api-5f7b9c8d6" is progressing.}
  observedGeneration: 2
  replicas: 2
  unavailableReplicas: 2
  updatedReplicas: 2
`,
    { status: 'InProgress', message: 'Waiting for 0/2 replicas to be ready', reason: 'ReplicasNotReady' },
  ],

  [
    'KWOK crash-looping pods: progress deadline exceeded',
    `${head}
spec: {replicas: 2, progressDeadlineSeconds: 30}
status:
  conditions:
  - {type: Available, status: "False", reason: MinimumReplicasUnavailable, message: Deployment does not have minimum availability.}
  - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: ReplicaSet "api-5f7b9c8d6" has timed out progressing.}
  observedGeneration: 2
  replicas: 2
  unavailableReplicas: 2
  updatedReplicas: 2
`,
    {
      status: 'Failed',
      message: 'Deployment exceeded its progress deadline (ReplicaSet "api-5f7b9c8d6" has timed out progressing.)',
      reason: 'ProgressDeadlineExceeded',
    },
  ],

  [
    'rolled back after a deadline: every replica of the old template is there, the condition not yet cleared',
    `${head}
spec: {replicas: 1, progressDeadlineSeconds: 10}
status:
  availableReplicas: 1
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: ReplicaSet "web-6db759d47d" has timed out progressing.}
  observedGeneration: 2
  readyReplicas: 1
  replicas: 1
  updatedReplicas: 1
`,
    {
      status: 'InProgress',
      message:
        'Waiting for the controller to report the rollout done (it still says: ReplicaSet "web-6db759d47d" has timed out progressing.)',
      reason: 'RolloutNotFinished',
    },
  ],

  [
    'paused mid rollout',
    `${head}
spec: {replicas: 3, paused: true}
status:
  availableReplicas: 3
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "Unknown", reason: DeploymentPaused, message: Deployment is paused}
  observedGeneration: 2
  readyReplicas: 3
  replicas: 3
  updatedReplicas: 0
`,
    { status: 'Current', message: 'Deployment is paused; its rollout is not awaited', reason: 'DeploymentPaused' },
  ],

  [
    'quota refused the new pods',
    `${head}
spec: {replicas: 2}
status:
  conditions:
  - {type: Available, status: "False", reason: MinimumReplicasUnavailable}
  - {type: ReplicaFailure, status: "True", reason: FailedCreate, message: 'pods "api-5f7b9c8d6-abcde" is forbidden: exceeded quota: compute, requested: limits.cpu=2, used: limits.cpu=0, limited: limits.cpu=1'}
  - {type: Progressing, status: "True", reason: ReplicaSetUpdated}
  observedGeneration: 2
  unavailableReplicas: 2
`,
    { status: 'InProgress', message: 'Waiting for 0/2 replicas to be updated', reason: 'ReplicasNotUpdated' },
  ],
];

describe('deploymentHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(deploymentHealth(parse(doc) as KubeObject)).toEqual(expected);
  });
});
