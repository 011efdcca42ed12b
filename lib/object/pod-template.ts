/**
 * The pod template inside a workload, wherever the kind keeps it: Deployment,
 * StatefulSet, DaemonSet, ReplicaSet and Job at `spec.template`, CronJob at
 * `spec.jobTemplate.spec.template`, a bare Pod is its own template. Discovery
 * follows references out of it and lint rules read it; both need one answer
 * to "what pods does this object run".
 *
 * @example
 *   podTemplateOf(deployment)?.labels // => { app: 'api' }
 */
import { groupOf, type KubeObject } from './ref.ts';

/** Workload kinds as `group/Kind`. */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set([
  'apps/Deployment',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'apps/ReplicaSet',
  'batch/Job',
  'batch/CronJob',
  '/Pod',
]);

/** The parts of a container Drover reads. */
export interface Container {
  name?: string;
  env?: { name?: string; valueFrom?: { configMapKeyRef?: { name?: string }; secretKeyRef?: { name?: string } } }[];
  envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
  readinessProbe?: unknown;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  lifecycle?: { preStop?: unknown };
  [key: string]: unknown;
}

export interface Volume {
  name?: string;
  configMap?: { name?: string };
  secret?: { secretName?: string };
  persistentVolumeClaim?: { claimName?: string };
  projected?: { sources?: { configMap?: { name?: string }; secret?: { name?: string } }[] };
  csi?: { nodePublishSecretRef?: { name?: string } };
  [key: string]: unknown;
}

/** The parts of a pod spec Drover reads. */
export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: Volume[];
  imagePullSecrets?: { name?: string }[];
  serviceAccountName?: string;
  serviceAccount?: string;
  priorityClassName?: string;
  terminationGracePeriodSeconds?: number;
  tolerations?: { key?: string; operator?: string; value?: string; effect?: string }[];
  affinity?: { podAntiAffinity?: unknown; [key: string]: unknown };
  topologySpreadConstraints?: unknown[];
  [key: string]: unknown;
}

export interface PodTemplate {
  labels: Record<string, string>;
  spec: PodSpec;
}

export function isWorkload(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return WORKLOAD_KINDS.has(`${groupOf(obj.apiVersion)}/${obj.kind}`);
}

/** The pod template of a workload, or undefined for anything else (or a workload without one). */
export function podTemplateOf(obj: KubeObject): PodTemplate | undefined {
  if (!isWorkload(obj)) return undefined;
  if (obj.kind === 'Pod') return { labels: { ...(obj.metadata.labels ?? {}) }, spec: asRecord(obj.spec) as PodSpec };
  let spec = asRecord(obj.spec);
  if (obj.kind === 'CronJob') spec = asRecord(asRecord(spec.jobTemplate).spec);
  const template = spec.template;
  if (typeof template !== 'object' || template === null) return undefined;
  const t = template as { metadata?: { labels?: Record<string, string> }; spec?: unknown };
  return { labels: { ...(t.metadata?.labels ?? {}) }, spec: asRecord(t.spec) as PodSpec };
}

/** All containers of a pod spec: init, regular and ephemeral. */
export function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].filter(
    (c): c is Container => typeof c === 'object' && c !== null,
  );
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
