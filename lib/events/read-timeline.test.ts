import { describe, expect, it } from 'vitest';
import { childKindsByNamespace } from './read-timeline.ts';

describe('childKindsByNamespace: what to list, per namespace', () => {
  it('lists children of children, and nothing for kinds that have none', () => {
    const kinds = childKindsByNamespace([
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' },
      { apiVersion: 'batch/v1', kind: 'CronJob', namespace: 'ops', name: 'backup' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'cfg', name: 'c' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespace: '', name: 'r' },
    ]);
    expect(Object.fromEntries([...kinds].map(([ns, k]) => [ns, [...k].sort()]))).toEqual({
      shop: ['Pod', 'ReplicaSet'],
      ops: ['Job', 'Pod'],
      cfg: [],
      '': [],
    });
  });
});
