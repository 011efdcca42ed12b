import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../object/ref.ts';
import type { HealthResult } from '../status.ts';
import { daemonSetHealth } from './apps-daemonset.ts';

const head = `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops, generation: 2, annotations: {deprecated.daemonset.template.generation: "2"}}
`;

const cases: [string, string, HealthResult][] = [
  [
    'rolled out',
    `${head}
spec: {updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}}
status: {currentNumberScheduled: 2, desiredNumberScheduled: 2, numberAvailable: 2, numberMisscheduled: 0, numberReady: 2, observedGeneration: 2, updatedNumberScheduled: 2}
`,
    { status: 'Current', message: 'All 2 Pods updated and available' },
  ],

  [
    'no eligible nodes',
    `${head}
spec: {}
status: {currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, observedGeneration: 2}
`,
    { status: 'Current', message: 'All 0 Pods updated and available' },
  ],

  [
    'status not yet written',
    `${head}
spec: {}
status: {}
`,
    {
      status: 'InProgress',
      message: 'Waiting for the controller to count the nodes to run on',
      reason: 'DesiredNotKnown',
    },
  ],

  [
    'not all scheduled',
    `${head}
spec: {}
status: {currentNumberScheduled: 1, desiredNumberScheduled: 3, numberAvailable: 1, numberMisscheduled: 0, numberReady: 1, observedGeneration: 2, updatedNumberScheduled: 1}
`,
    { status: 'InProgress', message: 'Waiting for 1/3 Pods to be scheduled', reason: 'PodsNotScheduled' },
  ],

  [
    'rolling update',
    `${head}
spec: {updateStrategy: {type: RollingUpdate}}
status: {currentNumberScheduled: 3, desiredNumberScheduled: 3, numberAvailable: 2, numberMisscheduled: 0, numberReady: 2, numberUnavailable: 1, observedGeneration: 2, updatedNumberScheduled: 1}
`,
    { status: 'InProgress', message: 'Waiting for 1/3 Pods to be updated', reason: 'PodsNotUpdated' },
  ],

  [
    'updated, not ready',
    `${head}
spec: {}
status: {currentNumberScheduled: 3, desiredNumberScheduled: 3, numberAvailable: 2, numberMisscheduled: 0, numberReady: 2, numberUnavailable: 1, observedGeneration: 2, updatedNumberScheduled: 3}
`,
    { status: 'InProgress', message: 'Waiting for 2/3 Pods to be ready', reason: 'PodsNotReady' },
  ],

  [
    'ready, not available (minReadySeconds)',
    `${head}
spec: {minReadySeconds: 20}
status: {currentNumberScheduled: 3, desiredNumberScheduled: 3, numberAvailable: 1, numberMisscheduled: 0, numberReady: 3, numberUnavailable: 2, observedGeneration: 2, updatedNumberScheduled: 3}
`,
    { status: 'InProgress', message: 'Waiting for 1/3 Pods to be available', reason: 'PodsNotAvailable' },
  ],

  [
    'OnDelete: old pods are not awaited',
    `${head}
spec: {updateStrategy: {type: OnDelete}}
status: {currentNumberScheduled: 2, desiredNumberScheduled: 2, numberAvailable: 2, numberMisscheduled: 0, numberReady: 2, observedGeneration: 2}
`,
    { status: 'Current', message: 'All 2 Pods updated and available' },
  ],
];

describe('daemonSetHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(daemonSetHealth(parse(doc) as KubeObject)).toEqual(expected);
  });
});
