/**
 * Fields a bundle hands to another controller on purpose: `spec.replicas` of
 * a workload that a HorizontalPodAutoscaler of the same bundle scales. Drover
 * does not apply them (so a release never resets what the autoscaler chose)
 * and drift never judges them.
 *
 * @example
 *   delegatedPaths([deployment, hpaForIt]) // Map { 'apps|Deployment|web|api' => ['spec.replicas'] }
 *   withoutDelegatedFields([deployment, hpaForIt])[0].spec.replicas // undefined
 */
import { groupOf, type KubeObject, refKey, refOf } from './ref.ts';

/** Paths handed to others, by member refKey. */
export function delegatedPaths(members: readonly KubeObject[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of members) {
    if (m.kind !== 'HorizontalPodAutoscaler' || groupOf(m.apiVersion) !== 'autoscaling') continue;
    const target = (m.spec as { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string } } | undefined)
      ?.scaleTargetRef;
    if (!target?.kind || !target.name) continue;
    const key = refKey({
      group: groupOf(target.apiVersion ?? ''),
      kind: target.kind,
      namespace: refOf(m).namespace,
      name: target.name,
    });
    out.set(key, [...(out.get(key) ?? []), 'spec.replicas']);
  }
  return out;
}

/** The members without their delegated fields (copies where something is removed; the input is not changed). */
export function withoutDelegatedFields(members: readonly KubeObject[]): KubeObject[] {
  const delegated = delegatedPaths(members);
  if (delegated.size === 0) return [...members];
  return members.map((m) => {
    const paths = delegated.get(refKey(refOf(m)));
    if (!paths) return m;
    const copy = structuredClone(m);
    for (const path of paths) {
      const parts = path.split('.');
      const parent = parts
        .slice(0, -1)
        .reduce<Record<string, unknown> | undefined>(
          (o, k) => o?.[k] as Record<string, unknown> | undefined,
          copy as unknown as Record<string, unknown>,
        );
      if (parent) delete parent[parts.at(-1)!];
    }
    return copy;
  });
}
