import { describe, expect, it } from 'vitest';

import { parseAllDocuments } from 'yaml';

import type { KubeObject, ObjectId } from '../object/ref.ts';
import { assembleTimeline } from './timeline.ts';

const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject);

// The bundle: a Deployment, its Service and ConfigMap, in shop. A failed release left an old ReplicaSet
// (web-d7b5b5c65) scaled to zero: its crash-looping Pod is gone, only its Events remain.
const members: ObjectId[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
  { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' },
  { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cfg' },
];

const objects = docs(`
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-6b8f9d7c4d, namespace: shop, uid: rs1, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d1, controller: true}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-d7b5b5c65, namespace: shop, uid: rs2, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d1, controller: true}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-6b8f9d7c4d-x2k9p, namespace: shop, uid: p1, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-6b8f9d7c4d, uid: rs1, controller: true}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: api-5f7c6d8b9, namespace: shop, uid: rs9, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: d9}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api-5f7c6d8b9-q2w4r, namespace: shop, uid: p9, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-5f7c6d8b9, uid: rs9}]}
---
# Someone else's bare Pod that happens to be named like a child of our old ReplicaSet.
apiVersion: v1
kind: Pod
metadata: {name: web-d7b5b5c65-zzzzz, namespace: shop, uid: p8}
`);

const ev = (uid: string, rv: string, at: string, involved: string, type: string, reason: string, message = reason) => `
apiVersion: v1
kind: Event
metadata: {name: ${uid}, namespace: shop, uid: ${uid}, resourceVersion: "${rv}"}
involvedObject: ${involved}
type: ${type}
reason: ${reason}
message: ${message}
${at.includes('.') ? `eventTime: "${at}"` : `firstTimestamp: "${at}"\nlastTimestamp: "${at}"\ncount: 1`}
`;

const events = docs(
  [
    ev(
      'e-scale',
      '100',
      '2026-11-25T10:21:57Z',
      '{apiVersion: apps/v1, kind: Deployment, name: web, namespace: shop, uid: d1}',
      'Normal',
      'ScalingReplicaSet',
      'Scaled up replica set web-d7b5b5c65 from 0 to 1',
    ),
    ev(
      'e-create',
      '101',
      '2026-11-25T10:21:57Z',
      '{apiVersion: apps/v1, kind: ReplicaSet, name: web-d7b5b5c65, namespace: shop, uid: rs2}',
      'Normal',
      'SuccessfulCreate',
      'Created pod web-d7b5b5c65-rqv8b',
    ),
    // KWOK's event: no apiVersion; the Pod is gone.
    ev(
      'e-backoff',
      '103',
      '2026-11-25T10:21:57Z',
      '{kind: Pod, name: web-d7b5b5c65-rqv8b, namespace: shop, uid: p-gone}',
      'Warning',
      'BackOff',
      'Back-off restarting failed container',
    ),
    // The scheduler's: microseconds, stored before the BackOff in the same second.
    ev(
      'e-sched',
      '102',
      '2026-11-25T10:21:57.312513Z',
      '{apiVersion: v1, kind: Pod, name: web-d7b5b5c65-rqv8b, namespace: shop, uid: p-gone}',
      'Normal',
      'Scheduled',
    ),
    ev(
      'e-live',
      '90',
      '2026-11-25T10:21:40.5Z',
      '{apiVersion: v1, kind: Pod, name: web-6b8f9d7c4d-x2k9p, namespace: shop, uid: p1}',
      'Normal',
      'Scheduled',
    ),
    ev(
      'e-byname',
      '91',
      '2026-11-25T10:21:41Z',
      '{kind: Pod, name: web-6b8f9d7c4d-x2k9p, namespace: shop}',
      'Normal',
      'Started',
    ),
    ev(
      'e-svc',
      '80',
      '2026-11-25T10:21:30Z',
      '{apiVersion: v1, kind: Service, name: web, namespace: shop, uid: s1}',
      'Warning',
      'FailedToUpdateEndpoint',
    ),
    ev(
      'e-foreign-pod',
      '104',
      '2026-11-25T10:21:58Z',
      '{apiVersion: v1, kind: Pod, name: api-5f7c6d8b9-q2w4r, namespace: shop, uid: p9}',
      'Warning',
      'BackOff',
    ),
    ev(
      'e-lookalike',
      '105',
      '2026-11-25T10:21:58Z',
      '{apiVersion: v1, kind: Pod, name: web-d7b5b5c65-zzzzz, namespace: shop, uid: p8}',
      'Warning',
      'BackOff',
    ),
    ev(
      'e-other-group',
      '106',
      '2026-11-25T10:21:58Z',
      '{apiVersion: example.com/v1, kind: Deployment, name: web, namespace: shop, uid: x1}',
      'Normal',
      'Synced',
    ),
    ev(
      'e-other-ns',
      '107',
      '2026-11-25T10:21:58Z',
      '{apiVersion: v1, kind: ConfigMap, name: cfg, namespace: other, uid: c2}',
      'Normal',
      'Touched',
    ),
    ev(
      'e-scale',
      '100',
      '2026-11-25T10:21:57Z',
      '{apiVersion: apps/v1, kind: Deployment, name: web, namespace: shop, uid: d1}',
      'Normal',
      'ScalingReplicaSet',
      'listed twice',
    ),
  ].join('---\n'),
);

describe('assembleTimeline', () => {
  it('keeps the Events of members and their children, live or gone, in time order, each once', () => {
    const t = assembleTimeline({ members, objects, events });
    expect(t.map((e) => [e.event.uid, e.object, e.member, e.via])).toEqual([
      ['e-svc', 'Service/shop/web', 'Service/shop/web', 'member'],
      ['e-live', 'Pod/shop/web-6b8f9d7c4d-x2k9p', 'Deployment/shop/web', 'owner'],
      ['e-byname', 'Pod/shop/web-6b8f9d7c4d-x2k9p', 'Deployment/shop/web', 'owner'],
      // One second, ordered as the apiserver stored them: the microsecond Scheduled before the whole-second BackOff.
      ['e-scale', 'Deployment/shop/web', 'Deployment/shop/web', 'member'],
      ['e-create', 'ReplicaSet/shop/web-d7b5b5c65', 'Deployment/shop/web', 'owner'],
      ['e-sched', 'Pod/shop/web-d7b5b5c65-rqv8b', 'Deployment/shop/web', 'name'],
      ['e-backoff', 'Pod/shop/web-d7b5b5c65-rqv8b', 'Deployment/shop/web', 'name'],
    ]);
    expect(t.find((e) => e.event.uid === 'e-scale')?.event.message).toBe(
      'Scaled up replica set web-d7b5b5c65 from 0 to 1',
    );
  });

  it('without inferring gone children, keeps only what it can prove through live objects', () => {
    const t = assembleTimeline({ members, objects, events, inferGone: false });
    expect(t.map((e) => e.event.uid)).toEqual(['e-svc', 'e-live', 'e-byname', 'e-scale', 'e-create']);
  });

  it('walks StatefulSet, Job and CronJob children by ownerReferences and by name', () => {
    const t = assembleTimeline({
      members: [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'db', name: 'pg' },
        { apiVersion: 'batch/v1', kind: 'CronJob', namespace: 'db', name: 'backup' },
      ],
      objects: docs(`
apiVersion: batch/v1
kind: Job
metadata: {name: backup-29412345, namespace: db, uid: j1, ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: backup, uid: cj1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: backup-29412345-x2k9p, namespace: db, uid: jp1, ownerReferences: [{apiVersion: batch/v1, kind: Job, name: backup-29412345, uid: j1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: pg-0, namespace: db, uid: pg0, ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: pg, uid: ss1}]}
`),
      events: docs(
        [
          ev(
            'a',
            '1',
            '2026-11-25T10:00:01Z',
            '{kind: Pod, name: pg-0, namespace: db, uid: pg0}',
            'Warning',
            'Unhealthy',
          ),
          ev(
            'b',
            '2',
            '2026-11-25T10:00:02Z',
            '{kind: Pod, name: pg-1, namespace: db, uid: pg1-gone}',
            'Warning',
            'BackOff',
          ),
          ev(
            'c',
            '3',
            '2026-11-25T10:00:03Z',
            '{kind: Pod, name: backup-29412345-x2k9p, namespace: db, uid: jp1}',
            'Warning',
            'BackOff',
          ),
          ev(
            'd',
            '4',
            '2026-11-25T10:00:04Z',
            '{apiVersion: batch/v1, kind: Job, name: backup-29412300, namespace: db, uid: j-gone}',
            'Normal',
            'Completed',
          ),
        ].join('---\n'),
      ).map((e) => ({ ...e, metadata: { ...e.metadata, namespace: 'db' } })),
    });
    expect(t.map((e) => [e.event.uid, e.member, e.via])).toEqual([
      ['a', 'StatefulSet/db/pg', 'owner'],
      ['b', 'StatefulSet/db/pg', 'name'],
      ['c', 'CronJob/db/backup', 'owner'],
      ['d', 'CronJob/db/backup', 'name'],
    ]);
  });

  it('has nothing for a bundle without members', () => {
    expect(assembleTimeline({ members: [], objects, events })).toEqual([]);
  });
});
