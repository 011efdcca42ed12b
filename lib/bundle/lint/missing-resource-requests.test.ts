import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatRef, type KubeObject } from '../../object/ref.ts';
import { missingResourceRequests } from './missing-resource-requests.ts';

const messages = (yaml: string) =>
  missingResourceRequests
    .check({ objects: parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject) })
    .map((f) => `${formatRef(f.ref)}: ${f.message}`);

describe('missing-resource-requests', () => {
  it('has a stable id', () => expect(missingResourceRequests.id).toBe('missing-resource-requests'));

  it.each([
    {
      name: 'BestEffort when no container requests anything',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a}, {name: b, resources: {}}]}
`,
      expected: [
        'Deployment/web/api: container(s) a, b set no cpu or memory requests (BestEffort QoS: evicted first under node pressure)',
      ],
    },
    {
      name: 'one container without requests',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a, resources: {requests: {memory: 64Mi}}}, {name: b}]}
`,
      expected: ['Deployment/web/api: container(s) b set no cpu or memory requests'],
    },
    {
      name: 'limits imply requests',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a, resources: {limits: {cpu: 1}}}]}
`,
      expected: [],
    },
    {
      name: 'applies to CronJobs',
      yaml: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: n, namespace: ops}
spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c}]}}}}}
`,
      expected: [
        'CronJob/ops/n: container(s) c set no cpu or memory requests (BestEffort QoS: evicted first under node pressure)',
      ],
    },
  ])('$name', ({ yaml, expected }) => {
    expect(messages(yaml)).toEqual(expected);
  });
});
