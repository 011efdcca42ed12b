import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatRef, type KubeObject } from '../../object/ref.ts';
import { replicasWithoutSpread } from './replicas-without-spread.ts';

const messages = (yaml: string) =>
  replicasWithoutSpread
    .check({ objects: parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject) })
    .map((f) => `${formatRef(f.ref)}: ${f.message}`);

describe('replicas-without-spread', () => {
  it('has a stable id', () => expect(replicasWithoutSpread.id).toBe('replicas-without-spread'));

  it.each([
    {
      name: 'three replicas, no spread',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a}]}
`,
      expected: [
        'Deployment/web/api: may run 3 replicas with no podAntiAffinity or topologySpreadConstraints: they can all land on one node',
      ],
    },
    {
      name: 'HPA may scale up, no spread',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: web}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}, maxReplicas: 4}
`,
      expected: [
        'Deployment/web/api: may run 4 replicas with no podAntiAffinity or topologySpreadConstraints: they can all land on one node',
      ],
    },
    {
      name: 'topology spread',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: api}}
    spec: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway}], containers: [{name: a}]}
`,
      expected: [],
    },
    {
      name: 'preferred anti-affinity',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: api}}
    spec: {affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 1, podAffinityTerm: {topologyKey: kubernetes.io/hostname}}]}}, containers: [{name: a}]}
`,
      expected: [],
    },
    {
      name: 'one replica',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a}]}
`,
      expected: [],
    },
  ])('$name', ({ yaml, expected }) => {
    expect(messages(yaml)).toEqual(expected);
  });
});
