import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatRef, type KubeObject } from '../../object/ref.ts';
import { spotTolerationWithoutSpread } from './spot-toleration-without-spread.ts';

const messages = (yaml: string) =>
  spotTolerationWithoutSpread
    .check({ objects: parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject) })
    .map((f) => `${formatRef(f.ref)}: ${f.message}`);

describe('spot-toleration-without-spread', () => {
  it('has a stable id', () => expect(spotTolerationWithoutSpread.id).toBe('spot-toleration-without-spread'));

  it.each([
    {
      name: 'Azure spot toleration',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {tolerations: [{key: kubernetes.azure.com/scalesetpriority, operator: Equal, value: spot, effect: NoSchedule}], containers: [{name: a}]}
`,
      expected: [
        'Deployment/web/api: tolerates spot taint kubernetes.azure.com/scalesetpriority with no podAntiAffinity or topologySpreadConstraints: one reclaim can take every replica',
      ],
    },
    {
      name: 'custom spot key',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {tolerations: [{key: example.com/spot-node, operator: Exists}], containers: [{name: a}]}
`,
      expected: [
        'Deployment/web/api: tolerates spot taint example.com/spot-node with no podAntiAffinity or topologySpreadConstraints: one reclaim can take every replica',
      ],
    },
    {
      name: 'tolerates every taint',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {tolerations: [{operator: Exists}], containers: [{name: a}]}
`,
      expected: [
        'Deployment/web/api: tolerates spot taint (all taints) with no podAntiAffinity or topologySpreadConstraints: one reclaim can take every replica',
      ],
    },
    {
      name: 'spot with spread',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {tolerations: [{key: cloud.google.com/gke-spot, operator: Exists}], topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule}], containers: [{name: a}]}
`,
      expected: [],
    },
    {
      name: 'unrelated toleration',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {tolerations: [{key: dedicated, operator: Equal, value: web}], containers: [{name: a}]}
`,
      expected: [],
    },
  ])('$name', ({ yaml, expected }) => {
    expect(messages(yaml)).toEqual(expected);
  });
});
