/**
 * The names controllers give the children they create, as a table: a
 * Deployment's ReplicaSet is `<deployment>-<pod-template-hash>`, a
 * ReplicaSet's Pod `<replicaset>-<5 random>`, a StatefulSet's Pod
 * `<statefulset>-<ordinal>`, a CronJob's Job `<cronjob>-<scheduled minute>`.
 * Events outlive the objects they are about (the apiserver keeps them an
 * hour): the crash-looping Pods of a release that was rolled back are gone
 * when their BackOff events are gathered, and only their names are left to
 * tie the events to the bundle. Pure.
 *
 * @example
 *   isGeneratedChildName({ owner: { group: 'apps', kind: 'ReplicaSet', name: 'web-d7b5b5c65' }, child: { kind: 'Pod', name: 'web-d7b5b5c65-rqv8b' } })
 *   // => true
 */

/** The alphabet of apimachinery's rand.String and SafeEncodeString (no vowels, no 0/1/3, so no words). */
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const RANDOM_5 = `${SAFE}{5}`;
const TEMPLATE_HASH = `${SAFE}{1,10}`;

interface ChildRule {
  kind: string;
  /** What follows `<owner name>-`. */
  suffix: RegExp;
}

const anchored = (s: string) => new RegExp(`^${s}$`);

/** By `group/Kind` of the owner: the kinds of children it names, and how. */
export const GENERATED_CHILDREN: Readonly<Record<string, readonly ChildRule[]>> = {
  'apps/Deployment': [
    { kind: 'ReplicaSet', suffix: anchored(TEMPLATE_HASH) },
    { kind: 'Pod', suffix: anchored(`${TEMPLATE_HASH}-${RANDOM_5}`) },
  ],
  'apps/ReplicaSet': [{ kind: 'Pod', suffix: anchored(RANDOM_5) }],
  'apps/DaemonSet': [{ kind: 'Pod', suffix: anchored(RANDOM_5) }],
  'apps/StatefulSet': [{ kind: 'Pod', suffix: /^\d+$/ }],
  'batch/Job': [{ kind: 'Pod', suffix: anchored(RANDOM_5) }],
  'batch/CronJob': [
    { kind: 'Job', suffix: /^\d+$/ },
    { kind: 'Pod', suffix: anchored(`\\d+-${RANDOM_5}`) },
  ],
};

/** The kinds of children a `group/Kind` owner creates (empty for kinds that create none). */
export function childKindsOf(owner: { group: string; kind: string }): string[] {
  return (GENERATED_CHILDREN[`${owner.group}/${owner.kind}`] ?? []).map((r) => r.kind);
}

/** True when `child` has the name `owner`'s controller would give a child of its kind. */
export function isGeneratedChildName({
  owner,
  child,
}: {
  owner: { group: string; kind: string; name: string };
  child: { kind: string; name: string };
}): boolean {
  const prefix = `${owner.name}-`;
  if (!child.name.startsWith(prefix)) return false;
  const rest = child.name.slice(prefix.length);
  return (GENERATED_CHILDREN[`${owner.group}/${owner.kind}`] ?? []).some(
    (r) => r.kind === child.kind && r.suffix.test(rest),
  );
}
