import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './ref.ts';
import { clusterScopedCustomKinds, isClusterScoped } from './scope.ts';

const crds = parseAllDocuments(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: clusterissuers.cert-manager.io}
spec: {group: cert-manager.io, scope: Cluster, names: {kind: ClusterIssuer}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: issuers.cert-manager.io}
spec: {group: cert-manager.io, scope: Namespaced, names: {kind: Issuer}}
`).map((d) => d.toJS() as KubeObject);

describe('isClusterScoped', () => {
  const custom = clusterScopedCustomKinds(crds);
  it.each([
    ['v1', 'Namespace', true],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole', true],
    ['scheduling.k8s.io/v1', 'PriorityClass', true],
    ['v1', 'ConfigMap', false],
    ['rbac.authorization.k8s.io/v1', 'Role', false],
    ['cert-manager.io/v1', 'ClusterIssuer', true],
    ['cert-manager.io/v1', 'Issuer', false],
    ['example.com/v1', 'Namespace', false],
  ])('%s %s -> %s', (apiVersion, kind, expected) => {
    expect(isClusterScoped({ apiVersion, kind }, custom)).toBe(expected);
  });
});
