import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../object/ref.ts';
import type { HealthResult } from '../status.ts';
import { jobHealth } from './batch-job.ts';

const head = `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: web, generation: 1}
`;

const cases: [string, string, HealthResult][] = [
  [
    'complete',
    `${head}
spec: {backoffLimit: 6, completions: 1, parallelism: 1, suspend: false}
status:
  completionTime: "2025-01-10T10:00:09Z"
  conditions:
  - {type: SuccessCriteriaMet, status: "True", reason: CompletionsReached, message: Reached expected number of succeeded pods, lastProbeTime: "2025-01-10T10:00:09Z", lastTransitionTime: "2025-01-10T10:00:09Z"}
  - {type: Complete, status: "True", reason: CompletionsReached, message: Reached expected number of succeeded pods, lastProbeTime: "2025-01-10T10:00:09Z", lastTransitionTime: "2025-01-10T10:00:09Z"}
  ready: 0
  startTime: "2025-01-10T10:00:00Z"
  succeeded: 1
  terminating: 0
  uncountedTerminatedPods: {}
`,
    { status: 'Current', message: 'Job completed: 1/1 succeeded', reason: 'CompletionsReached' },
  ],

  [
    'running',
    `${head}
spec: {backoffLimit: 6, completions: 3, parallelism: 2, suspend: false}
status: {active: 2, ready: 2, startTime: "2025-01-10T10:00:00Z", succeeded: 1, terminating: 0, uncountedTerminatedPods: {}}
`,
    {
      status: 'InProgress',
      message: 'Waiting for the Job to complete: 1/3 succeeded, 2 active, 0 failed',
      reason: 'JobRunning',
    },
  ],

  [
    'retrying after failures',
    `${head}
spec: {backoffLimit: 6}
status: {active: 1, failed: 2, ready: 0, startTime: "2025-01-10T10:00:00Z", terminating: 0, uncountedTerminatedPods: {}}
`,
    {
      status: 'InProgress',
      message: 'Waiting for the Job to complete: 0/1 succeeded, 1 active, 2 failed',
      reason: 'JobRunning',
    },
  ],

  [
    'backoff limit reached',
    `${head}
spec: {backoffLimit: 1, completions: 1, parallelism: 1}
status:
  conditions:
  - {type: FailureTarget, status: "True", reason: BackoffLimitExceeded, message: Job has reached the specified backoff limit}
  - {type: Failed, status: "True", reason: BackoffLimitExceeded, message: Job has reached the specified backoff limit}
  failed: 2
  ready: 0
  startTime: "2025-01-10T10:00:00Z"
  terminating: 0
  uncountedTerminatedPods: {}
`,
    {
      status: 'Failed',
      message: 'Job failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
      reason: 'BackoffLimitExceeded',
    },
  ],

  [
    'deadline exceeded, pods still terminating (FailureTarget only)',
    `${head}
spec: {activeDeadlineSeconds: 60}
status:
  conditions:
  - {type: FailureTarget, status: "True", reason: DeadlineExceeded, message: Job was active longer than specified deadline}
  active: 1
  terminating: 1
`,
    {
      status: 'Failed',
      message: 'Job failed: DeadlineExceeded: Job was active longer than specified deadline',
      reason: 'DeadlineExceeded',
    },
  ],

  [
    'suspended',
    `${head}
spec: {suspend: true}
status:
  conditions:
  - {type: Suspended, status: "True", reason: JobSuspended, message: Job suspended}
`,
    { status: 'Current', message: 'Job is suspended; it runs when resumed', reason: 'JobSuspended' },
  ],

  [
    'resumed after suspension',
    `${head}
spec: {suspend: false}
status:
  active: 1
  conditions:
  - {type: Suspended, status: "False", reason: JobResumed, message: Job resumed}
`,
    {
      status: 'InProgress',
      message: 'Waiting for the Job to complete: 0/1 succeeded, 1 active, 0 failed',
      reason: 'JobRunning',
    },
  ],
];

describe('jobHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(jobHealth(parse(doc) as KubeObject)).toEqual(expected);
  });
});
