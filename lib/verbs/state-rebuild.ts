/**
 * `drover state rebuild --inventory B --cluster C`: writes back a bundle's
 * inventory on a cluster where it went missing (deleted by hand, a restored
 * etcd), from the journal (which version runs there, which objects its
 * releases created) and the live objects carrying the bundle's labels
 * (lib/release/rebuild.ts). Until then every release, rollback and retire of
 * the bundle there refuses (InventoryMissing), so nothing that ran healthy
 * is deleted because a record was missing. Refuses when the inventory
 * exists, or when the journal does not say what runs there.
 *
 * @example
 *   const r = await rebuildInventory({ ws, bundle: 'web', cluster: 'c1' });
 *   r.entries // [{ ref: 'ConfigMap/shop/web', origin: 'created' }, { ref: 'Secret/shop/db', origin: 'adopted', priorUnknown: true }]
 */
import { ConflictError, NotFoundError } from '../errors/errors.ts';
import { withoutDelegatedFields } from '../object/delegated.ts';
import { formatRef, idOf } from '../object/ref.ts';
import { INVENTORY_NAMESPACE, inventoryName, readInventory, writeInventory } from '../release/inventory.ts';
import { readLive } from '../release/read-live.ts';
import { createdInJournal, rebuildEntries } from '../release/rebuild.ts';
import { runningOf } from '../release/environment-run.ts';
import { lastRelease, listReleases, releaseSteps } from '../state/releases.ts';
import { environmentOfCluster } from '../config/lookups.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface RebuiltInventory {
  bundle: string;
  cluster: string;
  version: string;
  digest: string;
  entries: { ref: string; origin: string; priorUnknown?: boolean }[];
  /** Members of the running version not found live with the bundle's labels: left out. */
  missing: string[];
}

export async function rebuildInventory({
  ws,
  bundle,
  cluster: name,
  signal,
}: {
  ws: Workspace;
  bundle: string;
  cluster: string;
  signal?: AbortSignal;
}): Promise<RebuiltInventory> {
  if (!ws.config.clusters.some((c) => c.name === name))
    throw new NotFoundError(`${ws.config.file}: no cluster named ${name}`, { data: { cluster: name } });
  const cluster = (await ws.clusters([name])).get(name)!;
  const where = `ConfigMap/${INVENTORY_NAMESPACE}/${inventoryName(bundle)} on ${name}`;
  const inv = await readInventory(cluster, bundle, signal);
  if (inv.exists)
    throw new ConflictError(
      `${where} exists (it records ${bundle}@${inv.current?.version ?? 'nothing'}); there is nothing to rebuild`,
      { data: { bundle, cluster: name, reason: 'InventoryExists' } },
    );
  const running = runningOf(lastRelease(ws.db, bundle, name));
  if (!running)
    throw new NotFoundError(
      `the journal does not say ${bundle} runs on ${name}; there is nothing to rebuild ${where} from`,
      { data: { bundle, cluster: name } },
    );
  const environment = environmentOfCluster(ws.config, name)?.name;
  const content = await ws.versions(bundle, { signal }).load(running.digest, {
    for: { cluster: name, ...(environment ? { environment } : {}) },
  });
  const members = withoutDelegatedFields(content.members);
  const live = await readLive(cluster, members.map(idOf), 16, signal);
  const created = createdInJournal(
    listReleases(ws.db, { bundle, cluster: name, limit: 10_000 }).flatMap((r) => releaseSteps(ws.db, r.id)),
  );
  const entries = rebuildEntries({ bundle, members, live, created });
  const held = new Set(entries.map((e) => formatRef(e)));
  await writeInventory(
    cluster,
    {
      bundle,
      current: { version: running.version, digest: running.digest, members: members.map(idOf) },
      pending: null,
      entries,
    },
    signal,
  );
  return {
    bundle,
    cluster: name,
    version: running.version,
    digest: running.digest,
    entries: entries.map((e) => ({
      ref: formatRef(e),
      origin: e.origin,
      ...(e.priorUnknown ? { priorUnknown: true } : {}),
    })),
    missing: members.map((m) => formatRef(idOf(m))).filter((r) => !held.has(r)),
  };
}
