import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatRef, type KubeObject } from '../../object/ref.ts';
import { servingWithoutGracefulShutdown } from './serving-without-graceful-shutdown.ts';

const messages = (yaml: string) =>
  servingWithoutGracefulShutdown
    .check({ objects: parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject) })
    .map((f) => `${formatRef(f.ref)}: ${f.message}`);

describe('serving-without-graceful-shutdown', () => {
  it('has a stable id', () => expect(servingWithoutGracefulShutdown.id).toBe('serving-without-graceful-shutdown'));

  it.each([
    {
      name: 'served with defaults',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: web}
spec: {selector: {app: api}}
`,
      expected: [
        'Deployment/web/api: serves Service api but has no preStop hook and terminationGracePeriodSeconds 30 (default): requests are dropped on rollout and drain',
      ],
    },
    {
      name: 'served with a short grace period',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {terminationGracePeriodSeconds: 10, containers: [{name: a}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: web}
spec: {selector: {app: api}}
`,
      expected: [
        'Deployment/web/api: serves Service api but has no preStop hook and terminationGracePeriodSeconds 10: requests are dropped on rollout and drain',
      ],
    },
    {
      name: 'a preStop hook',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a, lifecycle: {preStop: {sleep: {seconds: 5}}}}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: web}
spec: {selector: {app: api}}
`,
      expected: [],
    },
    {
      name: 'a long grace period',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {terminationGracePeriodSeconds: 60, containers: [{name: a}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: web}
spec: {selector: {app: api}}
`,
      expected: [],
    },
    {
      name: 'not selected by a Service',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: web}
spec: {selector: {app: other}}
`,
      expected: [],
    },
  ])('$name', ({ yaml, expected }) => {
    expect(messages(yaml)).toEqual(expected);
  });
});
