import { describe, expect, it } from 'vitest';
import * as events from './index.ts';
import { childKindsByNamespace } from './read-timeline.ts';

it('exposes exactly the public events API', () => {
  expect(Object.keys(events).sort()).toEqual([
    'aboutMember',
    'assembleEventRows',
    'assembleFamily',
    'assembleTimeline',
    'childKindsByNamespace',
    'childKindsOf',
    'describeFatalEvents',
    'explainFailure',
    'fatalEvents',
    'isGeneratedChildName',
    'orderEvents',
    'readEvent',
    'readTimeline',
    'recordBundleEvents',
    'versionAt',
  ]);
});

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

describe('assembleEventRows', () => {
  it('gives each Event the version its cluster ran or released then', () => {
    const rows = events.assembleEventRows({
      cluster: 'c1',
      bundle: 'web',
      gatheredAt: 'now',
      running: '1.0.0',
      releases: [
        {
          version: '1.0.2',
          fromVersion: '1.0.0',
          state: 'rolled-back',
          startedAt: '2026-11-25T10:21:56.900Z',
          finishedAt: '2026-11-25T10:22:10Z',
        },
      ],
      entries: [
        {
          member: 'Deployment/shop/web',
          object: 'Pod/shop/web-d7b5b5c65-rqv8b',
          via: 'name',
          event: {
            uid: 'u',
            type: 'Warning',
            reason: 'BackOff',
            message: 'm',
            object: { kind: 'Pod', namespace: 'shop', name: 'web-d7b5b5c65-rqv8b', uid: 'p' },
            count: 1,
            firstAt: '2026-11-25T10:21:57Z',
            lastAt: '2026-11-25T10:21:57Z',
            source: 'kwok_controller',
            resourceVersion: '9',
          },
        },
      ],
    });
    expect(rows).toEqual([
      {
        cluster: 'c1',
        uid: 'u',
        bundle: 'web',
        version: '1.0.2',
        member: 'Deployment/shop/web',
        object: 'Pod/shop/web-d7b5b5c65-rqv8b',
        objectUid: 'p',
        type: 'Warning',
        reason: 'BackOff',
        message: 'm',
        source: 'kwok_controller',
        count: 1,
        firstAt: '2026-11-25T10:21:57Z',
        lastAt: '2026-11-25T10:21:57Z',
        resourceVersion: '9',
        gatheredAt: 'now',
      },
    ]);
  });
});
