import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../object/ref.ts';
import { podFindings, replicaSetFindings, workloadFailure, type Finding } from './fatal.ts';

const obj = (doc: string) => parse(doc) as KubeObject;

// Pod statuses as the API server (or KWOK) returns them.
const READY = `
  phase: Running
  conditions:
  - {type: PodScheduled, status: "True"}
  - {type: Ready, status: "True"}
  containerStatuses:
  - {name: app, image: "ghcr.io/acme/api:1.4.0", ready: true, restartCount: 0, started: true, state: {running: {startedAt: "2025-01-10T10:00:01Z"}}}`;
const CRASH_LOOP = `
  phase: Running
  conditions:
  - {type: Initialized, status: "True"}
  - {type: Ready, status: "False", reason: ContainersNotReady}
  - {type: ContainersReady, status: "False", reason: ContainersNotReady}
  containerStatuses:
  - name: app
    image: "ghcr.io/acme/api:1.4.0"
    ready: false
    started: false
    restartCount: 3
    lastState: {terminated: {exitCode: 1, reason: Error, startedAt: "2025-01-10T10:00:01Z", finishedAt: "2025-01-10T10:00:01Z"}}
    state: {waiting: {reason: CrashLoopBackOff, message: back-off 40s restarting failed container}}`;
const CREATING = `
  phase: Pending
  conditions:
  - {type: PodScheduled, status: "True"}
  - {type: Ready, status: "False", reason: ContainersNotReady, message: "containers with unready status: [app]"}
  containerStatuses:
  - {name: app, image: "ghcr.io/acme/api:1.4.0", ready: false, restartCount: 0, started: false, state: {waiting: {reason: ContainerCreating}}}`;
const UNSCHEDULABLE = `
  phase: Pending
  conditions:
  - {type: PodScheduled, status: "False", reason: Unschedulable, lastTransitionTime: "2025-01-10T10:00:00Z", message: "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."}`;

function pod(name: string, rs: string, status: string, extraMeta = ''): KubeObject {
  const hash = rs.slice(rs.lastIndexOf('-') + 1);
  return obj(`
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: web, uid: uid-${name}, labels: {app: api, pod-template-hash: ${hash}}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ${rs}, uid: uid-${rs}, controller: true, blockOwnerDeletion: true}]${extraMeta}}
spec: {containers: [{name: app, image: "ghcr.io/acme/api:1.4.0"}], nodeName: kwok-node-0, restartPolicy: Always}
status:${status}
`);
}

function replicaSet(
  name: string,
  revision: number,
  replicas: number,
  status = `{observedGeneration: 1, replicas: ${replicas}}`,
): KubeObject {
  return obj(`
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: ${name}, namespace: web, uid: uid-${name}, generation: 1, labels: {app: api, pod-template-hash: ${name.slice(name.lastIndexOf('-') + 1)}}, annotations: {deployment.kubernetes.io/revision: "${revision}"}, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: uid-api, controller: true, blockOwnerDeletion: true}]}
spec: {replicas: ${replicas}, selector: {matchLabels: {app: api}}}
status: ${status}
`);
}

// Mid-rollout from revision 1 (api-7c5ddbdf54) to revision 2 (api-6b8f9d7c4d).
const rollingOut = obj(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web, uid: uid-api, generation: 2, annotations: {deployment.kubernetes.io/revision: "2"}}
spec:
  replicas: 2
  progressDeadlineSeconds: 600
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api, pod-container-running-failed.stage.kwok.x-k8s.io: "true"}}
    spec: {containers: [{name: app, image: "ghcr.io/acme/api:1.4.0"}]}
status:
  availableReplicas: 2
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable, message: Deployment has minimum availability.}
  - {type: Progressing, status: "True", reason: ReplicaSetUpdated, message: ReplicaSet "api-6b8f9d7c4d" is progressing.}
  observedGeneration: 2
  readyReplicas: 2
  replicas: 3
  unavailableReplicas: 1
  updatedReplicas: 1
`);
const oldRs = replicaSet('api-7c5ddbdf54', 1, 2);
const newRs = replicaSet('api-6b8f9d7c4d', 2, 1);

describe('workloadFailure', () => {
  it('KWOK crash loop in the new revision fails the release; old healthy Pods do not mask it', () => {
    const pods = [
      pod('api-7c5ddbdf54-aaaaa', 'api-7c5ddbdf54', READY),
      pod('api-7c5ddbdf54-bbbbb', 'api-7c5ddbdf54', READY),
      pod('api-6b8f9d7c4d-ccccc', 'api-6b8f9d7c4d', CRASH_LOOP),
    ];
    expect(workloadFailure(rollingOut, [oldRs, newRs], pods)).toEqual({
      health: {
        status: 'Failed',
        message:
          'Pod/web/api-6b8f9d7c4d-ccccc: container "app" is crash-looping (restarted 3 times; last exit code 1, Error)',
        reason: 'CrashLoopBackOff',
      },
      findings: [
        {
          ref: 'Pod/web/api-6b8f9d7c4d-ccccc',
          container: 'app',
          reason: 'CrashLoopBackOff',
          message: 'container "app" is crash-looping (restarted 3 times; last exit code 1, Error)',
          fatal: true,
        },
      ],
    });
  });

  it('old broken Pods do not fail a new revision that is still starting', () => {
    const pods = [
      pod('api-7c5ddbdf54-aaaaa', 'api-7c5ddbdf54', CRASH_LOOP),
      pod('api-6b8f9d7c4d-ccccc', 'api-6b8f9d7c4d', CREATING),
    ];
    expect(workloadFailure(rollingOut, [oldRs, newRs], pods)).toEqual({
      health: { status: 'InProgress', message: 'Waiting for 1/2 replicas to be updated', reason: 'ReplicasNotUpdated' },
      findings: [],
    });
  });

  it('before the controller observes the new generation nothing is judged (the newest ReplicaSet is still the old one)', () => {
    const applied = { ...rollingOut, metadata: { ...rollingOut.metadata, generation: 3 } };
    const pods = [pod('api-6b8f9d7c4d-ccccc', 'api-6b8f9d7c4d', CRASH_LOOP)];
    expect(workloadFailure(applied, [oldRs, newRs], pods)).toEqual({
      health: {
        status: 'InProgress',
        message: 'Waiting for the controller to observe generation 3',
        reason: 'ObservedGenerationLag',
      },
      findings: [],
    });
  });

  it('a Current workload has no findings', () => {
    const done = obj(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web, uid: uid-api, generation: 2, annotations: {deployment.kubernetes.io/revision: "2"}}
spec: {replicas: 1}
status:
  availableReplicas: 1
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable}
  observedGeneration: 2
  readyReplicas: 1
  replicas: 1
  updatedReplicas: 1
`);
    const pods = [
      pod('api-6b8f9d7c4d-ccccc', 'api-6b8f9d7c4d', READY),
      pod('api-6b8f9d7c4d-ddddd', 'api-6b8f9d7c4d', CRASH_LOOP, ', deletionTimestamp: "2025-01-10T10:00:00Z"'),
    ];
    expect(workloadFailure(done, [oldRs, newRs], pods)).toEqual({
      health: { status: 'Current', message: 'All 1 replica updated and available' },
      findings: [],
    });
  });

  it('a Deployment past its deadline keeps its own message; the Pod findings explain it', () => {
    const stuck = obj(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web, uid: uid-api, generation: 2, annotations: {deployment.kubernetes.io/revision: "2"}}
spec: {replicas: 1, progressDeadlineSeconds: 30}
status:
  conditions:
  - {type: Available, status: "False", reason: MinimumReplicasUnavailable, message: Deployment does not have minimum availability.}
  - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: ReplicaSet "api-6b8f9d7c4d" has timed out progressing.}
  observedGeneration: 2
  replicas: 1
  unavailableReplicas: 1
  updatedReplicas: 1
`);
    const result = workloadFailure(stuck, [oldRs, newRs], [pod('api-6b8f9d7c4d-ccccc', 'api-6b8f9d7c4d', CRASH_LOOP)]);
    expect(result.health).toEqual({
      status: 'Failed',
      message: 'Deployment exceeded its progress deadline (ReplicaSet "api-6b8f9d7c4d" has timed out progressing.)',
      reason: 'ProgressDeadlineExceeded',
    });
    expect(result.findings.map((f) => [f.ref, f.reason])).toEqual([
      ['Pod/web/api-6b8f9d7c4d-ccccc', 'CrashLoopBackOff'],
    ]);
  });

  it("quota refusing the new ReplicaSet's Pods is fatal and names the ReplicaSet", () => {
    const refused = replicaSet(
      'api-6b8f9d7c4d',
      2,
      1,
      `
  conditions:
  - {type: ReplicaFailure, status: "True", reason: FailedCreate, lastTransitionTime: "2025-01-10T10:00:01Z", message: 'pods "api-6b8f9d7c4d-q8xkz" is forbidden: exceeded quota: compute, requested: limits.cpu=2, used: limits.cpu=1, limited: limits.cpu=2'}
  observedGeneration: 1
  replicas: 0`,
    );
    const message =
      'cannot create Pods: pods "api-6b8f9d7c4d-q8xkz" is forbidden: exceeded quota: compute, requested: limits.cpu=2, used: limits.cpu=1, limited: limits.cpu=2';
    expect(
      workloadFailure(rollingOut, [oldRs, refused], [pod('api-7c5ddbdf54-aaaaa', 'api-7c5ddbdf54', READY)]),
    ).toEqual({
      health: { status: 'Failed', message: `ReplicaSet/web/api-6b8f9d7c4d: ${message}`, reason: 'ExceededQuota' },
      findings: [{ ref: 'ReplicaSet/web/api-6b8f9d7c4d', reason: 'ExceededQuota', message, fatal: true }],
    });
  });

  it('a FailedMount event about a new Pod is fatal; one about an old Pod is ignored', () => {
    const events = parse(`
- apiVersion: v1
  kind: Event
  metadata: {name: api-6b8f9d7c4d-ccccc.181a2b3c4d5e6f70, namespace: web}
  involvedObject: {apiVersion: v1, kind: Pod, name: api-6b8f9d7c4d-ccccc, namespace: web, uid: uid-api-6b8f9d7c4d-ccccc}
  reason: FailedMount
  message: 'MountVolume.SetUp failed for volume "config" : configmap "api-config" not found'
  type: Warning
  count: 4
  source: {component: kubelet, host: kwok-node-0}
- apiVersion: v1
  kind: Event
  metadata: {name: api-7c5ddbdf54-aaaaa.181a2b3c4d5e6f71, namespace: web}
  involvedObject: {apiVersion: v1, kind: Pod, name: api-7c5ddbdf54-aaaaa, namespace: web, uid: uid-api-7c5ddbdf54-aaaaa}
  reason: FailedMount
  message: 'MountVolume.SetUp failed for volume "old" : secret "gone" not found'
  type: Warning
`) as KubeObject[];
    const pods = [
      pod('api-7c5ddbdf54-aaaaa', 'api-7c5ddbdf54', CREATING),
      pod('api-6b8f9d7c4d-ccccc', 'api-6b8f9d7c4d', CREATING),
    ];
    expect(workloadFailure(rollingOut, [oldRs, newRs], pods, events).findings).toEqual([
      {
        ref: 'Pod/web/api-6b8f9d7c4d-ccccc',
        reason: 'FailedMount',
        message:
          'cannot mount volumes: MountVolume.SetUp failed for volume "config" : configmap "api-config" not found',
        fatal: true,
      },
    ]);
  });

  it("Unschedulable is reported but not fatal until the caller's grace has passed", () => {
    const pods = [pod('api-6b8f9d7c4d-ccccc', 'api-6b8f9d7c4d', UNSCHEDULABLE)];
    const finding: Finding = {
      ref: 'Pod/web/api-6b8f9d7c4d-ccccc',
      reason: 'Unschedulable',
      message:
        'cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
      fatal: false,
    };
    const since = Date.parse('2025-01-10T10:00:00Z');
    expect(workloadFailure(rollingOut, [oldRs, newRs], pods)).toEqual({
      health: { status: 'InProgress', message: 'Waiting for 1/2 replicas to be updated', reason: 'ReplicasNotUpdated' },
      findings: [finding],
    });
    expect(
      workloadFailure(rollingOut, [oldRs, newRs], pods, [], { now: since + 60_000, unschedulableGraceMs: 120_000 })
        .findings,
    ).toEqual([finding]);
    expect(
      workloadFailure(rollingOut, [oldRs, newRs], pods, [], { now: since + 120_000, unschedulableGraceMs: 120_000 }),
    ).toEqual({
      health: {
        status: 'Failed',
        message: `Pod/web/api-6b8f9d7c4d-ccccc: ${finding.message}`,
        reason: 'Unschedulable',
      },
      findings: [{ ...finding, fatal: true }],
    });
  });

  it('StatefulSet: a broken Pod at the update revision fails; one at the old revision does not', () => {
    const sts = obj(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: web, uid: uid-db, generation: 2}
spec: {replicas: 2, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 0}}}
status: {availableReplicas: 1, currentReplicas: 1, currentRevision: db-7b9c5f8d6, observedGeneration: 2, readyReplicas: 1, replicas: 2, updateRevision: db-5d4c8b9f7, updatedReplicas: 1}
`);
    const stsPod = (name: string, revision: string, status: string) =>
      obj(`
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: web, labels: {app: db, controller-revision-hash: ${revision}, apps.kubernetes.io/pod-index: "${name.slice(-1)}"}, ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, uid: uid-db, controller: true}]}
status:${status}
`);
    expect(
      workloadFailure(sts, [], [stsPod('db-0', 'db-7b9c5f8d6', CRASH_LOOP), stsPod('db-1', 'db-5d4c8b9f7', CREATING)])
        .findings,
    ).toEqual([]);
    expect(
      workloadFailure(sts, [], [stsPod('db-0', 'db-7b9c5f8d6', READY), stsPod('db-1', 'db-5d4c8b9f7', CRASH_LOOP)])
        .health,
    ).toEqual({
      status: 'Failed',
      message: 'Pod/web/db-1: container "app" is crash-looping (restarted 3 times; last exit code 1, Error)',
      reason: 'CrashLoopBackOff',
    });
  });

  it('Job: an OOMKilled Pod fails a running Job; a Job that completed after a retry has no findings', () => {
    const jobPod = obj(`
apiVersion: v1
kind: Pod
metadata: {name: migrate-x7k2p, namespace: web, labels: {batch.kubernetes.io/job-name: migrate}, ownerReferences: [{apiVersion: batch/v1, kind: Job, name: migrate, uid: uid-migrate, controller: true}]}
status:
  phase: Failed
  containerStatuses:
  - {name: migrate, image: "ghcr.io/acme/migrate:1.4.0", ready: false, restartCount: 0, state: {terminated: {exitCode: 137, reason: OOMKilled, startedAt: "2025-01-10T10:00:01Z", finishedAt: "2025-01-10T10:00:30Z"}}}
`);
    const job = (status: string) =>
      obj(`
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: web, uid: uid-migrate, generation: 1}
spec: {backoffLimit: 2, completions: 1}
status: ${status}
`);
    expect(
      workloadFailure(job('{active: 1, failed: 1, startTime: "2025-01-10T10:00:00Z"}'), [], [jobPod]).health,
    ).toEqual({
      status: 'Failed',
      message:
        'Pod/web/migrate-x7k2p: container "migrate" was killed for running out of memory (OOMKilled, not restarted)',
      reason: 'OOMKilled',
    });
    expect(
      workloadFailure(
        job('{conditions: [{type: Complete, status: "True", reason: CompletionsReached}], failed: 1, succeeded: 1}'),
        [],
        [jobPod],
      ).findings,
    ).toEqual([]);
  });
});

describe('podFindings', () => {
  it('terminating Pods have none', () => {
    expect(
      podFindings(
        pod('api-6b8f9d7c4d-ccccc', 'api-6b8f9d7c4d', CRASH_LOOP, ', deletionTimestamp: "2025-01-10T10:00:00Z"'),
      ),
    ).toEqual([]);
  });

  it('reads events.k8s.io/v1 Events too; a mount that times out is reported, not fatal', () => {
    const event = obj(`
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: api-6b8f9d7c4d-ccccc.181a2b3c4d5e6f72, namespace: web}
regarding: {kind: Pod, name: api-6b8f9d7c4d-ccccc, namespace: web, uid: uid-api-6b8f9d7c4d-ccccc}
reason: FailedMount
note: 'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data kube-api-access-7xk2p]: timed out waiting for the condition'
type: Warning
reportingController: kubelet
`);
    expect(podFindings(pod('api-6b8f9d7c4d-ccccc', 'api-6b8f9d7c4d', CREATING), [event])).toEqual([
      {
        ref: 'Pod/web/api-6b8f9d7c4d-ccccc',
        reason: 'FailedMount',
        message:
          'cannot mount volumes: Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data kube-api-access-7xk2p]: timed out waiting for the condition',
        fatal: false,
      },
    ]);
  });

  it('names the Pod and the container for each container problem', () => {
    const p = obj(`
apiVersion: v1
kind: Pod
metadata: {name: api-6b8f9d7c4d-ccccc, namespace: web}
status:
  phase: Pending
  containerStatuses:
  - {name: app, image: "ghcr.io/acme/api:9.9.9", ready: false, restartCount: 0, state: {waiting: {reason: ImagePullBackOff, message: 'Back-off pulling image "ghcr.io/acme/api:9.9.9"'}}}
  - {name: proxy, image: "envoyproxy/envoy:v1.31.0", ready: false, restartCount: 0, state: {waiting: {reason: CreateContainerConfigError, message: couldn't find key token in Secret web/proxy}}}
`);
    expect(podFindings(p)).toEqual([
      {
        ref: 'Pod/web/api-6b8f9d7c4d-ccccc',
        container: 'app',
        reason: 'ImagePullBackOff',
        message:
          'container "app" cannot pull image "ghcr.io/acme/api:9.9.9": Back-off pulling image "ghcr.io/acme/api:9.9.9"',
        fatal: true,
      },
      {
        ref: 'Pod/web/api-6b8f9d7c4d-ccccc',
        container: 'proxy',
        reason: 'CreateContainerConfigError',
        message: 'container "proxy" cannot be created: couldn\'t find key token in Secret web/proxy',
        fatal: true,
      },
    ]);
  });
});

describe('replicaSetFindings', () => {
  const cases: [string, string, Finding[]][] = [
    ['no failure', '{observedGeneration: 1, replicas: 1}', []],
    [
      'admission forbids the Pod: fatal FailedCreate',
      `
  conditions:
  - {type: ReplicaFailure, status: "True", reason: FailedCreate, message: 'pods "api-6b8f9d7c4d-q8xkz" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false'}`,
      [
        {
          ref: 'ReplicaSet/web/api-6b8f9d7c4d',
          reason: 'FailedCreate',
          message:
            'cannot create Pods: pods "api-6b8f9d7c4d-q8xkz" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false',
          fatal: true,
        },
      ],
    ],
    [
      'other creation errors: reported, not fatal',
      `
  conditions:
  - {type: ReplicaFailure, status: "True", reason: FailedCreate, message: 'Internal error occurred: resource quota evaluation timed out'}`,
      [
        {
          ref: 'ReplicaSet/web/api-6b8f9d7c4d',
          reason: 'FailedCreate',
          message: 'cannot create Pods: Internal error occurred: resource quota evaluation timed out',
          fatal: false,
        },
      ],
    ],
    [
      'condition cleared',
      `
  conditions:
  - {type: ReplicaFailure, status: "False", reason: FailedCreate}`,
      [],
    ],
  ];
  it.each(cases)('%s', (_name, status, expected) => {
    expect(replicaSetFindings(replicaSet('api-6b8f9d7c4d', 2, 1, status))).toEqual(expected);
  });
});
