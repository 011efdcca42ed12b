import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../object/ref.ts';
import { type KubeEvent, readEvent, wholeSeconds } from './event-record.ts';

// Shapes as this repository's control plane writes them (kube 1.36, KWOK 0.8), listed through core/v1 or events.k8s.io/v1.
const cases: [string, string, KubeEvent | null][] = [
  [
    'KWOK BackOff, core/v1 recorder: no apiVersion on the object, whole seconds',
    `
apiVersion: v1
kind: Event
metadata: {name: crash.18eb429be0b27355, namespace: shop, uid: fc7f, resourceVersion: "1115", creationTimestamp: "2026-11-25T10:21:53Z"}
involvedObject: {kind: Pod, name: crash, namespace: shop, uid: 3f64}
type: Warning
reason: BackOff
message: Back-off restarting failed container
count: 1
firstTimestamp: "2026-11-25T10:21:53Z"
lastTimestamp: "2026-11-25T10:21:53Z"
eventTime: null
source: {component: kwok_controller}
reportingComponent: kwok_controller
`,
    {
      uid: 'fc7f',
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      object: { kind: 'Pod', namespace: 'shop', name: 'crash', uid: '3f64' },
      count: 1,
      firstAt: '2026-11-25T10:21:53Z',
      lastAt: '2026-11-25T10:21:53Z',
      source: 'kwok_controller',
      resourceVersion: '1115',
    },
  ],

  [
    'deployment-controller, repeated: count and last time',
    `
apiVersion: v1
kind: Event
metadata: {name: web.1, namespace: shop, uid: e1, resourceVersion: "900"}
involvedObject: {apiVersion: apps/v1, kind: Deployment, name: web, namespace: shop, uid: d1}
type: Normal
reason: ScalingReplicaSet
message: Scaled up replica set web-d7b5b5c65 from 0 to 1
count: 3
firstTimestamp: "2026-11-25T10:21:57Z"
lastTimestamp: "2026-11-25T10:22:30Z"
source: {component: deployment-controller}
`,
    {
      uid: 'e1',
      type: 'Normal',
      reason: 'ScalingReplicaSet',
      message: 'Scaled up replica set web-d7b5b5c65 from 0 to 1',
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', uid: 'd1' },
      count: 3,
      firstAt: '2026-11-25T10:21:57Z',
      lastAt: '2026-11-25T10:22:30Z',
      source: 'deployment-controller',
      resourceVersion: '900',
    },
  ],

  [
    'scheduler, events.k8s.io/v1 writer seen through core/v1: eventTime only',
    `
apiVersion: v1
kind: Event
metadata: {name: crash.18eb429bdfa56d85, namespace: shop, uid: s1, resourceVersion: "1113", creationTimestamp: "2026-11-25T10:21:53Z"}
involvedObject: {apiVersion: v1, kind: Pod, name: crash, namespace: shop, uid: 3f64}
type: Normal
reason: Scheduled
message: Successfully assigned shop/crash to c1-node-1
eventTime: "2026-11-25T10:21:53.676785Z"
firstTimestamp: null
lastTimestamp: null
reportingComponent: default-scheduler
`,
    {
      uid: 's1',
      type: 'Normal',
      reason: 'Scheduled',
      message: 'Successfully assigned shop/crash to c1-node-1',
      object: { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'crash', uid: '3f64' },
      count: 1,
      firstAt: '2026-11-25T10:21:53.676785Z',
      lastAt: '2026-11-25T10:21:53.676785Z',
      source: 'default-scheduler',
      resourceVersion: '1113',
    },
  ],

  [
    'events.k8s.io/v1 shape with a series',
    `
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: p.2, namespace: shop, uid: s2, resourceVersion: "1200"}
regarding: {apiVersion: v1, kind: Pod, name: p, namespace: shop}
type: Warning
reason: FailedScheduling
note: "0/1 nodes are available: 1 Insufficient cpu."
eventTime: "2026-11-25T10:00:00.000001Z"
series: {count: 4, lastObservedTime: "2026-11-25T10:05:00.500000Z"}
reportingController: default-scheduler
`,
    {
      uid: 's2',
      type: 'Warning',
      reason: 'FailedScheduling',
      message: '0/1 nodes are available: 1 Insufficient cpu.',
      object: { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'p' },
      count: 4,
      firstAt: '2026-11-25T10:00:00.000001Z',
      lastAt: '2026-11-25T10:05:00.500000Z',
      source: 'default-scheduler',
      resourceVersion: '1200',
    },
  ],

  [
    'events.k8s.io/v1 listing of a core/v1 write: deprecated fields',
    `
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: x, namespace: shop, uid: k1, resourceVersion: "7"}
regarding: {kind: Pod, name: crash, namespace: shop, uid: 3f64}
type: Warning
reason: BackOff
note: Back-off restarting failed container
deprecatedCount: 2
deprecatedFirstTimestamp: "2026-11-25T10:21:53Z"
deprecatedLastTimestamp: "2026-11-25T10:21:59Z"
deprecatedSource: {component: kwok_controller}
reportingController: kwok_controller
`,
    {
      uid: 'k1',
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      object: { kind: 'Pod', namespace: 'shop', name: 'crash', uid: '3f64' },
      count: 2,
      firstAt: '2026-11-25T10:21:53Z',
      lastAt: '2026-11-25T10:21:59Z',
      source: 'kwok_controller',
      resourceVersion: '7',
    },
  ],

  [
    'cluster-scoped object: empty namespace',
    `
apiVersion: v1
kind: Event
metadata: {name: n, namespace: default, uid: n1, resourceVersion: "3"}
involvedObject: {kind: Node, name: c1-node-1, uid: c1-node-1}
type: Normal
reason: RegisteredNode
message: Registered Node c1-node-1 in Controller
count: 1
firstTimestamp: "2026-11-25T10:18:54Z"
lastTimestamp: "2026-11-25T10:18:54Z"
source: {component: node-controller}
`,
    {
      uid: 'n1',
      type: 'Normal',
      reason: 'RegisteredNode',
      message: 'Registered Node c1-node-1 in Controller',
      object: { kind: 'Node', namespace: '', name: 'c1-node-1', uid: 'c1-node-1' },
      count: 1,
      firstAt: '2026-11-25T10:18:54Z',
      lastAt: '2026-11-25T10:18:54Z',
      source: 'node-controller',
      resourceVersion: '3',
    },
  ],

  [
    'no object named: not an Event we can use',
    `
apiVersion: v1
kind: Event
metadata: {name: z, namespace: shop, uid: z1}
reason: Nothing
`,
    null,
  ],

  [
    'no uid: cannot be stored once',
    `
apiVersion: v1
kind: Event
metadata: {name: z, namespace: shop}
involvedObject: {kind: Pod, name: p, namespace: shop}
`,
    null,
  ],
];

describe('readEvent', () => {
  it.each(cases)('%s', (_name, yaml, want) => {
    expect(readEvent(parse(yaml) as KubeObject)).toEqual(want);
  });
});

describe('wholeSeconds', () => {
  it.each([
    ['2026-11-25T10:21:53Z', true],
    ['2026-11-25T10:21:53.676785Z', false],
    ['2026-11-25T10:21:53.000Z', false],
  ])('%s -> %s', (iso, want) => expect(wholeSeconds(iso)).toBe(want));
});
