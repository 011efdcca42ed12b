import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../object/ref.ts';
import type { HealthResult } from '../status.ts';
import { namespaceHealth } from './core-namespace.ts';

const cases: [string, string, HealthResult][] = [
  [
    'active',
    `
apiVersion: v1
kind: Namespace
metadata: {name: web, labels: {kubernetes.io/metadata.name: web}}
spec: {finalizers: [kubernetes]}
status: {phase: Active}
`,
    { status: 'Current', message: 'Namespace is active' },
  ],

  [
    'no status',
    `
apiVersion: v1
kind: Namespace
metadata: {name: web}
`,
    {
      status: 'InProgress',
      message: 'Waiting for the Namespace to be active (phase unknown)',
      reason: 'NamespaceNotActive',
    },
  ],
];

describe('namespaceHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(namespaceHealth(parse(doc) as KubeObject)).toEqual(expected);
  });
});
