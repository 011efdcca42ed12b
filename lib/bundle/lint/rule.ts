/**
 * What a built-in practice rule is: a stable kebab-case id, a one-line
 * description, and a pure check over one bundle's members that returns
 * findings at the rule's default severity. Shared helpers for reading
 * workloads live here too, so each rule file holds only its own logic.
 */
import { podTemplateOf, type PodTemplate } from '../../object/pod-template.ts';
import { formatRef, groupOf, refOf, type KubeObject, type ObjectRef } from '../../object/ref.ts';
import type { UnresolvedReference } from '../discover.ts';
import {
  isEmptyLabelSelector,
  matchesLabelSelector,
  matchesSelectorMap,
  type LabelSelector,
  type ObjectSelector,
} from '../selector.ts';

export type Severity = 'warning' | 'error';

export interface LintFinding {
  rule: string;
  severity: Severity;
  ref: ObjectRef;
  message: string;
}

export interface LintContext {
  /** The bundle's members. */
  objects: readonly KubeObject[];
  /** References from members to objects not in the repository (discovery's `unresolved`). */
  unresolved?: readonly UnresolvedReference[];
  /** The bundle's `spec.exclude`: objects declared to live elsewhere. */
  exclude?: readonly ObjectSelector[];
}

export interface LintRule {
  id: string;
  description: string;
  check: (ctx: LintContext) => LintFinding[];
}

export interface Workload {
  object: KubeObject;
  ref: ObjectRef;
  name: string;
  template: PodTemplate;
}

/** Workloads among the members, optionally only some kinds (`apps/Deployment`, `/Pod`...). */
export function workloads(ctx: LintContext, kinds?: readonly string[]): Workload[] {
  const out: Workload[] = [];
  for (const object of ctx.objects) {
    if (kinds && !kinds.includes(`${groupOf(object.apiVersion)}/${object.kind}`)) continue;
    const template = podTemplateOf(object);
    if (template) out.push({ object, ref: refOf(object), name: formatRef(refOf(object)), template });
  }
  return out;
}

export const LONG_RUNNING = ['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', '/Pod'];
export const REPLICATED = ['apps/Deployment', 'apps/StatefulSet', 'apps/ReplicaSet'];

function sameNamespace(a: KubeObject, b: KubeObject): boolean {
  return (a.metadata.namespace ?? '') === (b.metadata.namespace ?? '');
}

/** Members of `kind` (core or any group) in the workload's namespace. */
function membersOfKind(ctx: LintContext, w: Workload, group: string, kind: string): KubeObject[] {
  return ctx.objects.filter((o) => o.kind === kind && groupOf(o.apiVersion) === group && sameNamespace(o, w.object));
}

/** Services in the bundle whose selector matches the workload's pods. */
export function servicesSelecting(ctx: LintContext, w: Workload): KubeObject[] {
  return membersOfKind(ctx, w, '', 'Service').filter((s) =>
    matchesSelectorMap({
      selector: (s.spec as { selector?: Record<string, string> } | undefined)?.selector,
      labels: w.template.labels,
    }),
  );
}

/** PodDisruptionBudgets in the bundle that select the workload's pods. */
export function pdbsSelecting(ctx: LintContext, w: Workload): KubeObject[] {
  return membersOfKind(ctx, w, 'policy', 'PodDisruptionBudget').filter((p) => {
    const selector = (p.spec as { selector?: LabelSelector } | undefined)?.selector;
    return !isEmptyLabelSelector(selector) && matchesLabelSelector({ selector, labels: w.template.labels });
  });
}

/** The fewest and most replicas the workload may run: spec.replicas, or an HPA's range when one targets it. */
export function replicaRange(ctx: LintContext, w: Workload): { min: number; max: number } {
  const hpa = membersOfKind(ctx, w, 'autoscaling', 'HorizontalPodAutoscaler').find((h) => {
    const t = (h.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)?.scaleTargetRef;
    return t?.kind === w.object.kind && t.name === w.object.metadata.name;
  });
  if (hpa) {
    const spec = hpa.spec as { minReplicas?: number; maxReplicas?: number };
    return { min: spec.minReplicas ?? 1, max: spec.maxReplicas ?? spec.minReplicas ?? 1 };
  }
  const replicas = (w.object.spec as { replicas?: unknown } | undefined)?.replicas;
  const n = typeof replicas === 'number' ? replicas : 1;
  return { min: n, max: n };
}

/** True when the pod spec spreads replicas across nodes or zones. */
export function hasSpread(w: Workload): boolean {
  const spec = w.template.spec;
  const anti = spec.affinity?.podAntiAffinity as
    | {
        requiredDuringSchedulingIgnoredDuringExecution?: unknown[];
        preferredDuringSchedulingIgnoredDuringExecution?: unknown[];
      }
    | undefined;
  const hasAnti =
    (anti?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) +
      (anti?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) >
    0;
  return hasAnti || (spec.topologySpreadConstraints?.length ?? 0) > 0;
}

/** Names of the regular containers that request neither cpu nor memory (nor set limits, which default requests). */
export function containersWithoutRequests(w: Workload): string[] {
  return (w.template.spec.containers ?? [])
    .filter((c) => {
      const has = (m: Record<string, unknown> | undefined) =>
        m !== undefined && (m.cpu !== undefined || m.memory !== undefined);
      return !has(c.resources?.requests) && !has(c.resources?.limits);
    })
    .map((c) => c.name ?? '(unnamed)');
}

/** A finding about a workload; the message says what is wrong, not which object (every rendering shows `ref` beside it). */
export function finding(rule: string, w: Workload, message: string): LintFinding {
  return { rule, severity: 'warning', ref: w.ref, message };
}
