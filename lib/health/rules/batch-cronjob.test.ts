import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../object/ref.ts';
import type { HealthResult } from '../status.ts';
import { cronJobHealth } from './batch-cronjob.ts';

const cases: [string, string, HealthResult][] = [
  [
    'scheduled, never run',
    `
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: web}
spec: {schedule: "0 3 * * *", jobTemplate: {spec: {template: {spec: {restartPolicy: OnFailure}}}}}
status: {}
`,
    { status: 'Current', message: 'CronJob is scheduled: 0 3 * * *' },
  ],

  [
    'last run failed: still Current, a run is not the release',
    `
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: web}
spec: {schedule: "*/5 * * * *"}
status: {lastScheduleTime: "2025-01-10T10:05:00Z", active: [{kind: Job, name: report-28941245, namespace: web}]}
`,
    { status: 'Current', message: 'CronJob is scheduled: */5 * * * *' },
  ],

  [
    'suspended',
    `
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: web}
spec: {schedule: "0 3 * * *", suspend: true}
`,
    { status: 'Current', message: 'CronJob is suspended', reason: 'CronJobSuspended' },
  ],
];

describe('cronJobHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(cronJobHealth(parse(doc) as KubeObject)).toEqual(expected);
  });
});
