import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatRef, type KubeObject } from '../../object/ref.ts';
import { missingReadinessProbe } from './missing-readiness-probe.ts';

const messages = (yaml: string) =>
  missingReadinessProbe
    .check({ objects: parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject) })
    .map((f) => `${formatRef(f.ref)}: ${f.message}`);

describe('missing-readiness-probe', () => {
  it('has a stable id', () => expect(missingReadinessProbe.id).toBe('missing-readiness-probe'));

  it.each([
    {
      name: 'flags containers without a readiness probe',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a, readinessProbe: {httpGet: {path: /, port: 80}}}, {name: b}]}
`,
      expected: ['Deployment/web/api: container(s) b have no readinessProbe'],
    },
    {
      name: 'passes when every container has one',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a, readinessProbe: {exec: {command: [true]}}}]}
`,
      expected: [],
    },
    {
      name: 'ignores Jobs',
      yaml: `
apiVersion: batch/v1
kind: Job
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
