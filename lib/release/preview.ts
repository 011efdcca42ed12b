/**
 * What releasing a version's content on one cluster would change, before
 * anything is applied: the content prepared exactly as a release prepares
 * it (SOPS decrypted in memory, ownership marks, fields an HPA owns left
 * out) is server-side dry-run against the live objects; a member the dry
 * run leaves as it is is `unchanged`, one it would change lists the fields
 * that change (the fields Drover applies: server bookkeeping such as
 * managedFields, resourceVersion, generation and status are not compared),
 * one that does not exist is `added`, and an object the cluster's inventory
 * owns that the version drops is `removed` when it would be pruned, `letGo`
 * when it would be released instead. Members that exist and are not the
 * bundle's are listed as `foreign` with the `spec.adopt` line that would
 * take them over: the release would refuse them. Secret values are masked
 * by the diff, and so is every value of a member that was SOPS-encrypted in
 * Git, whatever its kind (it is diffed decrypted, as it would be applied). `drover diff --cluster`, `--dry-run` and the dashboard's
 * confirm pages show it.
 *
 * @example
 *   const d = await previewRelease({ cluster, bundle: 'web', content, inventory, prepare });
 *   d.changed // [{ ref: { kind: 'Deployment', ... }, fields: [{ path: 'spec.replicas', before: 1, after: 3 }] }]
 */
import { diffObjects, type MembersDiff, wasEncrypted } from '../bundle/diff.ts';
import { applyObject } from '../cluster/apply.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { withoutDelegatedFields } from '../object/delegated.ts';
import { formatRef, idOf, type KubeObject, keyOf, refOf } from '../object/ref.ts';
import type { Inventory } from './inventory.ts';
import { managerOf } from './ownership.ts';
import { assemblePlan, type PlanEntry } from './plan.ts';
import { mapLimit } from '../foundation/map-limit.ts';
import { type ForeignMember, markedMembers, type Ownership, readOwnership } from './read-ownership.ts';
import { releasePolicy } from './release-options.ts';
import type { VersionContent } from '../bundle/version-content.ts';

export interface ClusterDiff extends MembersDiff {
  bundle: string;
  version: string;
  cluster: string;
  target?: string;
  from: string | null;
  /** Members that exist and are not the bundle's: the release would be refused; each with the `spec.adopt` line that takes it over. */
  foreign: ForeignMember[];
  /** Members the release would adopt (spec.adopt selects them). */
  adopted: string[];
  /** Objects the bundle holds that V drops and that would be released, not deleted (adopted, shared, still claimed). */
  letGo: { ref: string; reason: string }[];
  /** Other refusals the release would meet (a missing namespace, Drover's own namespace). */
  refusals: { ref: string; message: string }[];
}

/** The object without what the server keeps for itself, so only what an apply changes differs. */
function applied(o: KubeObject): KubeObject {
  const {
    managedFields: _m,
    resourceVersion: _r,
    generation: _g,
    creationTimestamp: _c,
    uid: _u,
    ...metadata
  } = o.metadata;
  const { status: _s, ...rest } = o;
  return { ...rest, metadata } as KubeObject;
}

export async function previewRelease({
  cluster,
  bundle,
  content,
  inventory: inv,
  prepare,
  createNamespace = false,
  selfManaged = false,
  signal,
}: {
  cluster: Cluster;
  bundle: string;
  content: VersionContent;
  inventory: Inventory;
  /** Each member as it is applied (SOPS decrypted). */
  prepare: (o: KubeObject) => Promise<KubeObject>;
  createNamespace?: boolean;
  selfManaged?: boolean;
  signal?: AbortSignal | undefined;
}): Promise<ClusterDiff> {
  const policy = releasePolicy({ target: content });
  const desired = markedMembers({
    bundle,
    members: await mapLimit(withoutDelegatedFields(content.members), 16, prepare),
    policy,
  });
  // The release's own ownership read: what it would refuse, adopt, create or let go is what this shows.
  const own = await readOwnership({
    cluster,
    bundle,
    desired,
    inventory: inv,
    policy,
    createNamespace,
    selfManaged,
    signal,
  });
  const { live } = own;
  const foreignKeys = new Set(own.foreign.map((f) => f.ref));
  const dryRun = await readDryRun({ cluster, bundle, desired, ownership: own, foreignKeys, signal });
  const plan = assemblePlan({
    desired: desired.filter((o) => !foreignKeys.has(formatRef(idOf(o)))),
    live,
    dryRun,
    entries: own.entries,
    held: own.held,
    claims: own.claims,
    policy,
  });
  // Members encrypted in Git are diffed decrypted: each is masked whole, whatever its kind.
  const sensitive = new Set(content.members.filter(wasEncrypted).map((m) => keyOf(m)));
  const { diff, letGo } = assembleMembersDiff({ plan, dryRun, sensitive });
  const refusals = [
    ...own.reserved.map((r) => ({ ref: r.ref, message: r.message })),
    ...own.missingNamespaces.map((m) => ({
      ref: `Namespace/${m.namespace}`,
      message: `namespace ${m.namespace} does not exist (needed by ${m.members.join(', ')}); set createNamespace: true to have it created`,
    })),
  ];
  const adopted = own.adoptions.map((a) => formatRef(idOf(a.object)));
  return {
    bundle,
    version: content.version,
    cluster: cluster.name,
    ...(content.target ? { target: content.target } : {}),
    from: inv.current?.version ?? null,
    ...diff,
    foreign: own.foreign,
    adopted,
    letGo,
    refusals,
  };
}

/** Each desired member that exists and is not foreign, dry-run as the release would apply it. */
async function readDryRun({
  cluster,
  bundle,
  desired,
  ownership: own,
  foreignKeys,
  signal,
}: {
  cluster: Cluster;
  bundle: string;
  desired: readonly KubeObject[];
  ownership: Ownership;
  foreignKeys: ReadonlySet<string>;
  signal?: AbortSignal | undefined;
}): Promise<Map<string, KubeObject>> {
  const { live } = own;
  const dryRun = new Map<string, KubeObject>();
  await mapLimit(
    desired.filter((o) => live.get(keyOf(o)) && !foreignKeys.has(formatRef(idOf(o)))),
    16,
    async (object) => {
      const force = own.entries.get(keyOf(object))?.origin !== 'shared';
      dryRun.set(
        keyOf(object),
        (
          await applyObject(cluster, {
            object,
            dryRun: true,
            manager: managerOf(bundle),
            force,
            before: live.get(keyOf(object)) ?? null,
            signal,
          })
        ).object,
      );
    },
  );
  return dryRun;
}

/**
 * The plan as a diff: created members `added`, pruned objects `removed`,
 * objects released or restored `letGo`, and each update `changed` with the
 * fields that change, or `unchanged` when only server bookkeeping differs. Pure.
 */
function assembleMembersDiff({
  plan,
  dryRun,
  sensitive,
}: {
  plan: readonly PlanEntry[];
  dryRun: ReadonlyMap<string, KubeObject>;
  /** Keys of members whose every value is masked (SOPS-encrypted in Git). */
  sensitive: ReadonlySet<string>;
}): { diff: MembersDiff; letGo: { ref: string; reason: string }[] } {
  const diff: MembersDiff = { added: [], removed: [], changed: [], unchanged: [] };
  const letGo: { ref: string; reason: string }[] = [];
  for (const e of plan) {
    if (e.action === 'create') diff.added.push(refOf(e.object!));
    else if (e.action === 'prune') diff.removed.push(refOf(e.live!));
    else if (e.action === 'release' || e.action === 'restore')
      letGo.push({ ref: e.ref, reason: e.reason ?? 'released' });
    else if (e.action === 'unchanged') diff.unchanged.push(refOf(e.object!));
    else if (e.action === 'update') {
      const fields = diffObjects({
        before: applied(e.live!),
        after: applied(dryRun.get(e.key)!),
        sensitive: sensitive.has(e.key),
      });
      if (fields.length > 0) diff.changed.push({ ref: refOf(e.object!), fields });
      else diff.unchanged.push(refOf(e.object!));
    }
  }
  return { diff, letGo };
}
