/**
 * `drover diff B@V --cluster C`: what applying V would change on C, before
 * it is applied (lib/release/preview.ts: a server-side dry run of the
 * version's content for that cluster, prepared as a release prepares it;
 * foreign members with the `spec.adopt` line that takes them over; Secret
 * values masked).
 *
 * @example
 *   const d = await diffOnCluster({ ws, bundle: 'web', version: '1.0.3', cluster: 'c2' });
 *   d.changed // [{ ref: { kind: 'Deployment', ... }, fields: [{ path: 'spec.replicas', before: 1, after: 3 }] }]
 */
import { NotFoundError } from '../errors/errors.ts';
import { readInventory } from '../release/inventory.ts';
import { type ClusterDiff, previewRelease } from '../release/preview.ts';
import { sopsPreparer } from '../release/sops-preparer.ts';
import { environmentOfCluster } from '../config/lookups.ts';
import type { Workspace } from '../workspace/workspace.ts';

export async function diffOnCluster({
  ws,
  bundle,
  version,
  cluster: name,
  signal,
}: {
  ws: Workspace;
  bundle: string;
  version: string;
  cluster: string;
  signal?: AbortSignal;
}): Promise<ClusterDiff> {
  if (!ws.config.clusters.some((c) => c.name === name))
    throw new NotFoundError(`${ws.config.file}: no cluster named ${name}`, { data: { cluster: name } });
  const cluster = (await ws.clusters([name])).get(name)!;
  const environment = environmentOfCluster(ws.config, name);
  const content = await ws.versions(bundle, { signal }).load(version, {
    for: { cluster: name, ...(environment ? { environment: environment.name } : {}) },
  });
  return previewRelease({
    cluster,
    bundle,
    content,
    inventory: await readInventory(cluster, bundle, signal),
    prepare: sopsPreparer({ environments: [environment], env: ws.env }),
    createNamespace: environment?.createNamespace ?? false,
    selfManaged: ws.config.selfManaged.includes(bundle),
    signal,
  });
}
