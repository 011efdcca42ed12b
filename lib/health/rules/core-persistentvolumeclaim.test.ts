import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../object/ref.ts';
import type { HealthResult } from '../status.ts';
import { pvcHealth } from './core-persistentvolumeclaim.ts';

const head = `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: db}
`;

const cases: [string, string, HealthResult][] = [
  [
    'bound',
    `${head}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, storageClassName: standard, volumeMode: Filesystem, volumeName: pvc-3f1c}
status: {accessModes: [ReadWriteOnce], capacity: {storage: 1Gi}, phase: Bound}
`,
    { status: 'Current', message: 'Bound to volume pvc-3f1c' },
  ],

  [
    'pending (WaitForFirstConsumer)',
    `${head}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, storageClassName: standard}
status: {phase: Pending}
`,
    { status: 'InProgress', message: 'Waiting for the claim to be bound (phase Pending)', reason: 'ClaimPending' },
  ],

  [
    'no status',
    `${head}
spec: {resources: {requests: {storage: 1Gi}}}
`,
    { status: 'InProgress', message: 'Waiting for the claim to be bound (phase unknown)', reason: 'ClaimPending' },
  ],

  [
    'lost',
    `${head}
spec: {volumeName: pvc-3f1c}
status: {phase: Lost}
`,
    { status: 'Failed', message: 'Lost its volume pvc-3f1c: the volume no longer exists', reason: 'ClaimLost' },
  ],
];

describe('pvcHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(pvcHealth(parse(doc) as KubeObject)).toEqual(expected);
  });
});
