import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatRef, type KubeObject } from '../../object/ref.ts';
import { singleReplicaWithoutPdb } from './single-replica-without-pdb.ts';

const messages = (yaml: string) =>
  singleReplicaWithoutPdb
    .check({ objects: parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject) })
    .map((f) => `${formatRef(f.ref)}: ${f.message}`);

describe('single-replica-without-pdb', () => {
  it('has a stable id', () => expect(singleReplicaWithoutPdb.id).toBe('single-replica-without-pdb'));

  it.each([
    {
      name: 'one replica by default',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a}]}
`,
      expected: [
        'Deployment/web/api: runs 1 replica and no PodDisruptionBudget selects it: a node drain takes it down',
      ],
    },
    {
      name: 'one replica with a PDB',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  replicas: 1
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api, namespace: web}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: api}}}
`,
      expected: [],
    },
    {
      name: 'two replicas',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a}]}
`,
      expected: [],
    },
    {
      name: 'an HPA with minReplicas 2',
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
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}, minReplicas: 2, maxReplicas: 5}
`,
      expected: [],
    },
  ])('$name', ({ yaml, expected }) => {
    expect(messages(yaml)).toEqual(expected);
  });
});
