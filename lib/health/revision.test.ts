import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../object/ref.ts';
import { currentReplicaSet, currentRevisionPods } from './revision.ts';

const objects = (doc: string) => parse(doc) as KubeObject[];
const names = (list: KubeObject[]) => list.map((o) => o.metadata.name);

const deployment = parse(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web, uid: d-api, generation: 3, annotations: {deployment.kubernetes.io/revision: "3"}}
spec: {replicas: 2, selector: {matchLabels: {app: api}}}
status: {observedGeneration: 3, replicas: 3, updatedReplicas: 1}
`) as KubeObject;

// Revision 3 reuses nothing; revision 1 is long scaled down; another
// Deployment's ReplicaSet matches the same labels.
const replicaSets = objects(`
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata: {name: api-7c5ddbdf54, namespace: web, uid: rs-2, labels: {app: api, pod-template-hash: 7c5ddbdf54}, annotations: {deployment.kubernetes.io/revision: "2"}, creationTimestamp: "2025-01-09T10:00:00Z", ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: d-api, controller: true, blockOwnerDeletion: true}]}
  spec: {replicas: 2}
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata: {name: api-6b8f9d7c4d, namespace: web, uid: rs-3, labels: {app: api, pod-template-hash: 6b8f9d7c4d}, annotations: {deployment.kubernetes.io/revision: "3"}, creationTimestamp: "2025-01-10T10:00:00Z", ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: d-api, controller: true}]}
  spec: {replicas: 1}
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata: {name: api-5d4c8b9f7, namespace: web, uid: rs-1, labels: {app: api, pod-template-hash: 5d4c8b9f7}, annotations: {deployment.kubernetes.io/revision: "1"}, creationTimestamp: "2025-01-08T10:00:00Z", ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: d-api, controller: true}]}
  spec: {replicas: 0}
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata: {name: api-canary-9f8e7d6c5, namespace: web, uid: rs-x, labels: {app: api, pod-template-hash: 9f8e7d6c5}, annotations: {deployment.kubernetes.io/revision: "7"}, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api-canary, uid: d-canary, controller: true}]}
`);

const pods = objects(`
- apiVersion: v1
  kind: Pod
  metadata: {name: api-7c5ddbdf54-aaaaa, namespace: web, labels: {app: api, pod-template-hash: 7c5ddbdf54}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-7c5ddbdf54, uid: rs-2, controller: true}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: api-6b8f9d7c4d-bbbbb, namespace: web, labels: {app: api, pod-template-hash: 6b8f9d7c4d}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-6b8f9d7c4d, uid: rs-3, controller: true}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: api-6b8f9d7c4d-orphan, namespace: web, labels: {app: api, pod-template-hash: 6b8f9d7c4d}}
- apiVersion: v1
  kind: Pod
  metadata: {name: api-canary-9f8e7d6c5-ccccc, namespace: web, labels: {app: api, pod-template-hash: 9f8e7d6c5}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-canary-9f8e7d6c5, uid: rs-x, controller: true}]}
`);

describe('currentReplicaSet', () => {
  it('picks the ReplicaSet whose revision matches the Deployment, ignoring other owners', () => {
    expect(currentReplicaSet(deployment, replicaSets)?.metadata.name).toBe('api-6b8f9d7c4d');
  });
  it('falls back to the highest revision when the Deployment has no revision annotation', () => {
    const bare = { ...deployment, metadata: { ...deployment.metadata, annotations: {} } };
    expect(currentReplicaSet(bare, replicaSets)?.metadata.name).toBe('api-6b8f9d7c4d');
  });
  it('a rollback reuses an old ReplicaSet and gives it the newest revision', () => {
    const rolledBack = replicaSets.map((rs) =>
      rs.metadata.name === 'api-5d4c8b9f7'
        ? { ...rs, metadata: { ...rs.metadata, annotations: { 'deployment.kubernetes.io/revision': '4' } } }
        : rs,
    );
    const dep = {
      ...deployment,
      metadata: { ...deployment.metadata, generation: 4, annotations: { 'deployment.kubernetes.io/revision': '4' } },
    };
    expect(currentReplicaSet(dep, rolledBack)?.metadata.name).toBe('api-5d4c8b9f7');
  });
  it('none when the Deployment owns none', () => {
    expect(
      currentReplicaSet(
        deployment,
        replicaSets.filter((rs) => rs.metadata.uid === 'rs-x'),
      ),
    ).toBeUndefined();
  });
});

describe('currentRevisionPods', () => {
  it('Deployment: the Pods of its newest ReplicaSet, by owner, or by pod-template-hash when unowned', () => {
    expect(names(currentRevisionPods(deployment, replicaSets, pods))).toEqual([
      'api-6b8f9d7c4d-bbbbb',
      'api-6b8f9d7c4d-orphan',
    ]);
  });
  it('Deployment whose latest generation is not yet observed: none (the new ReplicaSet may not exist)', () => {
    const pending = { ...deployment, metadata: { ...deployment.metadata, generation: 4 } };
    expect(currentRevisionPods(pending, replicaSets, pods)).toEqual([]);
  });

  const sts = parse(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data, uid: s-db, generation: 2}
status: {observedGeneration: 2, currentRevision: db-7b9c5f8d6, updateRevision: db-5d4c8b9f7}
`) as KubeObject;
  const stsPods = objects(`
- {apiVersion: v1, kind: Pod, metadata: {name: db-0, namespace: data, labels: {controller-revision-hash: db-7b9c5f8d6}, ownerReferences: [{kind: StatefulSet, name: db, uid: s-db, controller: true}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: db-1, namespace: data, labels: {controller-revision-hash: db-5d4c8b9f7}, ownerReferences: [{kind: StatefulSet, name: db, uid: s-db, controller: true}]}}
`);
  it('StatefulSet: Pods at the update revision', () => {
    expect(names(currentRevisionPods(sts, [], stsPods))).toEqual(['db-1']);
  });

  const ds = parse(`
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops, uid: ds-agent, generation: 5, annotations: {deprecated.daemonset.template.generation: "5"}}
status: {observedGeneration: 5, desiredNumberScheduled: 2}
`) as KubeObject;
  const dsPods = objects(`
- {apiVersion: v1, kind: Pod, metadata: {name: agent-old, namespace: ops, labels: {controller-revision-hash: 6c9f8b7d5, pod-template-generation: "4"}, ownerReferences: [{kind: DaemonSet, name: agent, uid: ds-agent, controller: true}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: agent-new, namespace: ops, labels: {controller-revision-hash: 7d8e9f0a1, pod-template-generation: "5"}, ownerReferences: [{kind: DaemonSet, name: agent, uid: ds-agent, controller: true}]}}
`);
  it('DaemonSet: Pods of the current template generation', () => {
    expect(names(currentRevisionPods(ds, [], dsPods))).toEqual(['agent-new']);
  });

  const job = parse(`
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: web, uid: j-1, generation: 1}
`) as KubeObject;
  const jobPods = objects(`
- {apiVersion: v1, kind: Pod, metadata: {name: migrate-abcde, namespace: web, labels: {batch.kubernetes.io/job-name: migrate}, ownerReferences: [{kind: Job, name: migrate, uid: j-1, controller: true}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: migrate-older, namespace: web, labels: {batch.kubernetes.io/job-name: migrate}, ownerReferences: [{kind: Job, name: migrate, uid: j-0, controller: true}]}}
`);
  it('Job: the Pods it owns (not those of an earlier Job of the same name)', () => {
    expect(names(currentRevisionPods(job, [], jobPods))).toEqual(['migrate-abcde']);
  });

  it('a bare Pod is its own revision; other kinds have none', () => {
    const pod = pods[0]!;
    expect(currentRevisionPods(pod, [], [])).toEqual([pod]);
    expect(currentRevisionPods({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } }, [], pods)).toEqual([]);
  });
});
