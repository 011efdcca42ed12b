import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allContainers, podTemplateOf } from './pod-template.ts';
import type { KubeObject } from './ref.ts';

describe('podTemplateOf', () => {
  it.each([
    {
      name: 'Deployment',
      yaml: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {template: {metadata: {labels: {app: a}}, spec: {containers: [{name: c}]}}}',
      labels: { app: 'a' },
      containers: ['c'],
    },
    {
      name: 'CronJob',
      yaml: 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: a}\nspec: {jobTemplate: {spec: {template: {metadata: {labels: {job: a}}, spec: {initContainers: [{name: i}], containers: [{name: c}]}}}}}',
      labels: { job: 'a' },
      containers: ['i', 'c'],
    },
    {
      name: 'Pod',
      yaml: 'apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {app: p}}\nspec: {containers: [{name: c}]}',
      labels: { app: 'p' },
      containers: ['c'],
    },
    {
      name: 'no labels',
      yaml: 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec: {template: {spec: {}}}',
      labels: {},
      containers: [],
    },
  ])('$name', ({ yaml, labels, containers }) => {
    const t = podTemplateOf(parse(yaml) as KubeObject)!;
    expect(t.labels).toEqual(labels);
    expect(allContainers(t.spec).map((c) => c.name)).toEqual(containers);
  });

  it.each([
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}',
    'apiVersion: serving.knative.dev/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {}}}',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {}',
  ])('is undefined for %j', (yaml) => {
    expect(podTemplateOf(parse(yaml) as KubeObject)).toBeUndefined();
  });
});
