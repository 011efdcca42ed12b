import { expect, it } from 'vitest';
import * as health from './index.ts';

it('exposes exactly the public health API', () => {
  expect(Object.keys(health).sort()).toEqual([
    'HEALTH_STATUSES',
    'KIND_RULES',
    'aggregate',
    'computeHealth',
    'currentReplicaSet',
    'currentRevisionPods',
    'podFindings',
    'replicaSetFindings',
    'workloadFailure',
  ]);
});
