import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../object/ref.ts';
import type { HealthResult } from '../status.ts';
import { podHealth } from './core-pod.ts';

const head = `
apiVersion: v1
kind: Pod
metadata: {name: api-6b8f9d7c4d-x2k9p, namespace: web}
spec: {containers: [{name: app, image: "ghcr.io/acme/api:1.4.0"}], restartPolicy: Always}
`;

const cases: [string, string, HealthResult][] = [
  [
    'KWOK healthy: Running and Ready',
    `${head}
status:
  conditions:
  - {type: Initialized, status: "True", lastTransitionTime: "2025-01-10T10:00:01Z"}
  - {type: Ready, status: "True", lastTransitionTime: "2025-01-10T10:00:01Z"}
  - {type: ContainersReady, status: "True", lastTransitionTime: "2025-01-10T10:00:01Z"}
  containerStatuses:
  - {image: "ghcr.io/acme/api:1.4.0", name: app, ready: true, restartCount: 0, state: {running: {startedAt: "2025-01-10T10:00:01Z"}}}
  hostIP: 10.0.0.2
  phase: Running
  podIP: 10.244.0.7
  startTime: "2025-01-10T10:00:01Z"
`,
    { status: 'Current', message: 'Pod is running and ready' },
  ],

  [
    'KWOK crash loop: Running, not Ready, CrashLoopBackOff',
    `${head}
status:
  conditions:
  - {type: Initialized, status: "True", lastTransitionTime: "2025-01-10T10:00:01Z"}
  - {type: Ready, status: "False", reason: ContainersNotReady, lastTransitionTime: "2025-01-10T10:00:01Z"}
  - {type: ContainersReady, status: "False", reason: ContainersNotReady, lastTransitionTime: "2025-01-10T10:00:01Z"}
  containerStatuses:
  - image: "ghcr.io/acme/api:1.4.0"
    name: app
    ready: false
    started: false
    restartCount: 3
    lastState: {terminated: {exitCode: 1, reason: Error, startedAt: "2025-01-10T10:00:01Z", finishedAt: "2025-01-10T10:00:01Z"}}
    state: {waiting: {reason: CrashLoopBackOff, message: back-off 40s restarting failed container}}
  phase: Running
  startTime: "2025-01-10T10:00:01Z"
`,
    {
      status: 'Failed',
      message: 'container "app" is crash-looping (restarted 3 times; last exit code 1, Error)',
      reason: 'CrashLoopBackOff',
    },
  ],

  [
    'running, readiness probe not passing yet',
    `${head}
status:
  conditions:
  - {type: Ready, status: "False", reason: ContainersNotReady, message: "containers with unready status: [app]"}
  containerStatuses:
  - {image: "ghcr.io/acme/api:1.4.0", name: app, ready: false, restartCount: 0, started: true, state: {running: {startedAt: "2025-01-10T10:00:01Z"}}}
  phase: Running
`,
    {
      status: 'InProgress',
      message: 'Waiting for the Pod to be ready: containers with unready status: [app]',
      reason: 'PodNotReady',
    },
  ],

  [
    'pending: image pull in progress',
    `${head}
status:
  conditions:
  - {type: PodScheduled, status: "True"}
  - {type: Ready, status: "False", reason: ContainersNotReady, message: "containers with unready status: [app]"}
  containerStatuses:
  - {image: "ghcr.io/acme/api:1.4.0", name: app, ready: false, restartCount: 0, started: false, state: {waiting: {reason: ContainerCreating}}}
  phase: Pending
`,
    {
      status: 'InProgress',
      message: 'Waiting for the Pod to start: container "app" is ContainerCreating',
      reason: 'PodPending',
    },
  ],

  [
    'pending: image cannot be pulled',
    `${head}
status:
  conditions:
  - {type: PodScheduled, status: "True"}
  containerStatuses:
  - image: "ghcr.io/acme/api:1.4.0"
    name: app
    ready: false
    restartCount: 0
    started: false
    state: {waiting: {reason: ImagePullBackOff, message: 'Back-off pulling image "ghcr.io/acme/api:1.4.0"'}}
  phase: Pending
`,
    {
      status: 'Failed',
      message:
        'container "app" cannot pull image "ghcr.io/acme/api:1.4.0": Back-off pulling image "ghcr.io/acme/api:1.4.0"',
      reason: 'ImagePullBackOff',
    },
  ],

  [
    'pending: unschedulable (not failed here: room may appear)',
    `${head}
status:
  conditions:
  - {type: PodScheduled, status: "False", reason: Unschedulable, lastTransitionTime: "2025-01-10T10:00:00Z", message: "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."}
  phase: Pending
`,
    {
      status: 'InProgress',
      message:
        'Waiting for the Pod to be scheduled: 0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
      reason: 'Unschedulable',
    },
  ],

  [
    'no status yet',
    `${head}
status: {phase: Pending, qosClass: BestEffort}
`,
    { status: 'InProgress', message: 'Waiting for the Pod to start', reason: 'PodPending' },
  ],

  [
    'succeeded (KWOK Job pod)',
    `${head}
status:
  containerStatuses:
  - {image: busybox, name: app, ready: false, restartCount: 0, started: false, state: {terminated: {exitCode: 0, reason: Completed, startedAt: "2025-01-10T10:00:01Z", finishedAt: "2025-01-10T10:00:02Z"}}}
  phase: Succeeded
`,
    { status: 'Current', message: 'Pod completed successfully', reason: 'PodSucceeded' },
  ],

  [
    'failed: container exited non-zero',
    `${head}
status:
  containerStatuses:
  - {image: busybox, name: app, ready: false, restartCount: 0, state: {terminated: {exitCode: 2, reason: Error, startedAt: "2025-01-10T10:00:01Z", finishedAt: "2025-01-10T10:00:02Z"}}}
  phase: Failed
`,
    { status: 'Failed', message: 'Pod failed: container "app" exited with code 2 (Error)', reason: 'PodFailed' },
  ],

  [
    'failed: evicted',
    `${head}
status:
  message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi.'
  phase: Failed
  reason: Evicted
`,
    {
      status: 'Failed',
      message: 'Pod failed: Evicted: The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi.',
      reason: 'Evicted',
    },
  ],
];

describe('podHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(podHealth(parse(doc) as KubeObject)).toEqual(expected);
  });
});
