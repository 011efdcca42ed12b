/**
 * The per-kind health rules, as data: a table from `group/Kind` (core kinds
 * have an empty group: `/Pod`) to the rule for that kind. Kinds not in the
 * table fall back to `conditionsHealth`. Adding a kind is one file and one
 * row here.
 *
 * @example
 *   KIND_RULES.get('apps/Deployment')?.health(dep)
 */
import type { HealthRule } from '../status.ts';
import { crdHealth } from './apiextensions-customresourcedefinition.ts';
import { daemonSetHealth } from './apps-daemonset.ts';
import { deploymentHealth } from './apps-deployment.ts';
import { replicaSetHealth } from './apps-replicaset.ts';
import { statefulSetHealth } from './apps-statefulset.ts';
import { cronJobHealth } from './batch-cronjob.ts';
import { jobHealth } from './batch-job.ts';
import { namespaceHealth } from './core-namespace.ts';
import { pvcHealth } from './core-persistentvolumeclaim.ts';
import { podHealth } from './core-pod.ts';
import { serviceHealth } from './core-service.ts';
import { conditionsHealth } from './generic-conditions.ts';

export interface KindRule {
  health: HealthRule;
  /**
   * The kind's controller always writes `status.observedGeneration`, so its
   * absence means the controller has not seen the object yet (a Deployment
   * created a moment ago has no status, and its counts of zero must not read
   * as "done").
   */
  reportsObservedGeneration?: boolean;
}

export const KIND_RULES: ReadonlyMap<string, KindRule> = new Map<string, KindRule>([
  ['apps/Deployment', { health: deploymentHealth, reportsObservedGeneration: true }],
  ['apps/StatefulSet', { health: statefulSetHealth, reportsObservedGeneration: true }],
  ['apps/DaemonSet', { health: daemonSetHealth, reportsObservedGeneration: true }],
  ['apps/ReplicaSet', { health: replicaSetHealth, reportsObservedGeneration: true }],
  ['batch/Job', { health: jobHealth }],
  ['batch/CronJob', { health: cronJobHealth }],
  ['/Pod', { health: podHealth }],
  ['/Service', { health: serviceHealth }],
  ['/PersistentVolumeClaim', { health: pvcHealth }],
  ['/Namespace', { health: namespaceHealth }],
  ['apiextensions.k8s.io/CustomResourceDefinition', { health: crdHealth }],
]);

/** The rule for kinds not in the table. */
export const FALLBACK_RULE: KindRule = { health: conditionsHealth };
