import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatRef, type KubeObject } from '../../object/ref.ts';
import { priorityClassWithoutRequests } from './priority-class-without-requests.ts';

const messages = (yaml: string) =>
  priorityClassWithoutRequests
    .check({ objects: parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject) })
    .map((f) => `${formatRef(f.ref)}: ${f.message}`);

describe('priority-class-without-requests', () => {
  it('has a stable id', () => expect(priorityClassWithoutRequests.id).toBe('priority-class-without-requests'));

  it.each([
    {
      name: 'priority class on BestEffort pods',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {priorityClassName: high, containers: [{name: a}]}
`,
      expected: [
        'Deployment/web/api: priorityClassName high is set but container(s) a have no requests: priority decides preemption, requests decide QoS',
      ],
    },
    {
      name: 'priority class with requests',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {priorityClassName: high, containers: [{name: a, resources: {requests: {cpu: 100m}}}]}
`,
      expected: [],
    },
    {
      name: 'no priority class',
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
