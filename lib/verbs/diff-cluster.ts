/**
 * `drover diff B@V --cluster C`: what applying V would change on C, before
 * it is applied. The version's content for that cluster (its target's
 * layer), prepared exactly as a release prepares it (SOPS decrypted in
 * memory, ownership marks, fields an HPA owns left out), is server-side
 * dry-run against the live objects; a member the dry run leaves as it is
 * does not appear, one it would change lists the fields that change (the
 * fields Drover applies: server bookkeeping such as managedFields,
 * resourceVersion, generation and status are not compared), one that does
 * not exist is `added`, and an object the cluster's inventory owns that V
 * drops is `removed` when it would be pruned. Secret values are masked.
 *
 * @example
 *   const d = await diffOnCluster({ ws, bundle: 'web', version: '1.0.3', cluster: 'c2' });
 *   d.changed // [{ ref: { kind: 'Deployment', ... }, fields: [{ path: 'spec.replicas', before: 1, after: 3 }] }]
 */
import { diffObjects, type MembersDiff } from '../bundle/diff.ts';
import { applyObject } from '../cluster/apply.ts';
import { NotFoundError } from '../errors/errors.ts';
import { withoutDelegatedFields } from '../object/delegated.ts';
import { idOf, type KubeObject, keyOf, refOf } from '../object/ref.ts';
import { readInventory } from '../release/inventory.ts';
import { withOwnership } from '../release/ownership.ts';
import { assemblePlan } from '../release/plan.ts';
import { mapLimit } from '../release/pool.ts';
import { readLive } from '../release/read-live.ts';
import { releasePolicy } from '../release/release-options.ts';
import { bundleVersions } from '../workspace/bundle-versions.ts';
import { sopsPreparer } from '../workspace/sops-preparer.ts';
import { environmentOfCluster, type Workspace } from '../workspace/workspace.ts';

/** The object without what the server keeps for itself, so only what an apply changes differs. */
function applied(o: KubeObject): KubeObject {
  const { managedFields: _m, resourceVersion: _r, generation: _g, creationTimestamp: _c, uid: _u, ...metadata } = o.metadata;
  const { status: _s, ...rest } = o;
  return { ...rest, metadata } as KubeObject;
}

export async function diffOnCluster({ ws, bundle, version, cluster: name, env = {}, signal }: { ws: Workspace; bundle: string; version: string; cluster: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<MembersDiff & { bundle: string; version: string; cluster: string; target?: string; from: string | null }> {
  if (!ws.config.clusters.some((c) => c.name === name)) throw new NotFoundError(`${ws.config.file}: no cluster named ${name}`, { data: { cluster: name } });
  const cluster = (await ws.clusters([name])).get(name)!;
  const environment = environmentOfCluster(ws, name);
  const content = await bundleVersions({ ws, bundle, ...(signal ? { signal } : {}) }).load(version, { for: { cluster: name, ...(environment ? { environment: environment.name } : {}) } });
  const prepare = sopsPreparer({ environments: [environment], env });
  const desired = await mapLimit(withoutDelegatedFields(content.members), 16, async (m) => withOwnership(await prepare(m), bundle));
  const inv = await readInventory(cluster, bundle, signal);
  const owned = [...(inv.current?.members ?? []), ...(inv.pending?.members ?? [])];
  const live = await readLive(cluster, [...desired.map(idOf), ...owned], 16, signal);
  const dryRun = new Map<string, KubeObject>();
  await mapLimit(
    desired.filter((o) => live.get(keyOf(o))),
    16,
    async (object) => void dryRun.set(keyOf(object), (await applyObject(cluster, { object, dryRun: true, before: live.get(keyOf(object)) ?? null, ...(signal ? { signal } : {}) })).object),
  );
  const plan = assemblePlan({ bundle, desired, live, dryRun, owned, policy: releasePolicy({ target: content }) });
  const diff: MembersDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const e of plan) {
    if (e.action === 'create') diff.added.push(refOf(e.object!));
    else if (e.action === 'prune') diff.removed.push(refOf(e.live!));
    else if (e.action === 'unchanged') diff.unchanged.push(refOf(e.object!));
    else if (e.action === 'update') {
      const fields = diffObjects({ before: applied(e.live!), after: applied(dryRun.get(e.key)!) });
      if (fields.length > 0) diff.changed.push({ ref: refOf(e.object!), fields });
      else diff.unchanged.push(refOf(e.object!));
    }
  }
  return { bundle, version: content.version, cluster: name, ...(content.target ? { target: content.target } : {}), from: inv.current?.version ?? null, ...diff };
}
