/**
 * `drover events`: the Kubernetes Events of a bundle's members and their
 * children, per version, across clusters. `gatherEvents` reads every
 * (bundle x cluster) the clusters' inventories name — members current and in
 * flight — and stores what it finds; `bundleEvents` gathers one bundle and
 * returns its stored timeline in time order, filtered by version and
 * cluster. Stored Events stay after the apiserver has dropped them (an hour),
 * and a cluster that cannot be reached leaves its stored Events shown and is
 * named in `unreachable`.
 *
 * @example
 *   const r = await bundleEvents({ ws, bundle: 'web', version: '1.0.2' });
 *   r.events.map((e) => `${e.cluster} ${e.reason} ${e.object}`) // => ['c1 BackOff Pod/shop/web-d7b5b5c65-rqv8b', ...]
 */
import type { Cluster } from '../cluster/cluster.ts';
import { listObjects } from '../cluster/get.ts';
import { NotFoundError, toDroverError } from '../errors/errors.ts';
import type { ListCache } from '../events/read-timeline.ts';
import { type RecordedEvents, recordBundleEvents } from '../events/record.ts';
import { orderEvents } from '../events/order.ts';
import type { OnEvent } from '../progress.ts';
import { INVENTORY_NAMESPACE, type Inventory, parseInventoryObject, readInventory } from '../release/inventory.ts';
import { hasKubeEvents, type KubeEventRow, listKubeEvents } from '../state/events.ts';
import { listReleases } from '../state/releases.ts';
import { listBundles } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface GatherEventsOptions {
  ws: Workspace;
  /** One bundle, or every bundle the clusters' inventories name. */
  bundle?: string;
  /** Cluster names (default: every configured cluster). */
  clusters?: string[];
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

export interface GatherEventsResult {
  recorded: RecordedEvents[];
  unreachable: { cluster: string; error: string }[];
  /** Bundles found in some cluster's inventory. */
  bundlesFound: string[];
}

/** Inventories of one bundle, or of all (one LIST of the inventory ConfigMaps). */
async function inventoriesOf(cluster: Cluster, bundle: string | undefined, signal?: AbortSignal): Promise<Inventory[]> {
  if (bundle) return [await readInventory(cluster, bundle, signal)];
  const list = await listObjects(cluster, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: INVENTORY_NAMESPACE,
    labelSelector: 'drover.dev/inventory',
    signal,
  });
  return list.items.flatMap((o) => {
    const b = o.metadata.labels?.['drover.dev/inventory'];
    return b ? [parseInventoryObject(o, b)] : [];
  });
}

export async function gatherEvents({
  ws,
  bundle,
  clusters: names,
  onEvent = () => {},
  signal,
}: GatherEventsOptions): Promise<GatherEventsResult> {
  const result: GatherEventsResult = { recorded: [], unreachable: [], bundlesFound: [] };
  if (ws.config.clusters.length === 0) return result;
  const clusters = await ws.clusters(names);
  const found = new Set<string>();
  await Promise.all(
    [...clusters].map(async ([name, cluster]) => {
      try {
        const cache: ListCache = new Map();
        for (const inv of await inventoriesOf(cluster, bundle, signal)) {
          const members = [...(inv.current?.members ?? []), ...(inv.pending?.members ?? [])];
          if (members.length === 0) continue;
          found.add(inv.bundle);
          const r = await recordBundleEvents({
            db: ws.db,
            cluster,
            bundle: inv.bundle,
            members,
            running: inv.current?.version ?? null,
            cache,
            signal,
          });
          result.recorded.push(r);
          onEvent({
            phase: 'events',
            subject: name,
            message: `${inv.bundle}: ${r.seen} events (${r.added} new, ${r.updated} updated)`,
          });
        }
      } catch (err) {
        if (signal?.aborted) throw err;
        const e = toDroverError(err);
        result.unreachable.push({ cluster: name, error: e.message });
        onEvent({ phase: 'events', subject: name, level: 'warn', message: `cannot gather events: ${e.message}` });
      }
    }),
  );
  result.bundlesFound = [...found].sort();
  result.recorded.sort((a, b) => a.bundle.localeCompare(b.bundle) || a.cluster.localeCompare(b.cluster));
  return result;
}

export interface BundleEventsOptions {
  ws: Workspace;
  bundle: string;
  version?: string;
  cluster?: string;
  /** Gather from the clusters first (default true); false shows only what is stored. */
  gather?: boolean;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

export interface BundleEventsResult {
  bundle: string;
  events: KubeEventRow[];
  gathered: RecordedEvents[];
  unreachable: { cluster: string; error: string }[];
}

export async function bundleEvents({
  ws,
  bundle,
  version,
  cluster,
  gather = true,
  onEvent,
  signal,
}: BundleEventsOptions): Promise<BundleEventsResult> {
  if (cluster && !ws.config.clusters.some((c) => c.name === cluster)) {
    throw new NotFoundError(`${ws.config.file}: no cluster named ${cluster}`, { data: { cluster } });
  }
  const g = gather
    ? await gatherEvents({
        ws,
        bundle,
        ...(cluster ? { clusters: [cluster] } : {}),
        onEvent,
        signal,
      })
    : { recorded: [], unreachable: [], bundlesFound: [] };
  const known =
    g.bundlesFound.includes(bundle) ||
    hasKubeEvents(ws.db, bundle) ||
    listBundles(ws.db).some((b) => b.name === bundle) ||
    listReleases(ws.db, { bundle, limit: 1 }).length > 0;
  if (!known && g.unreachable.length === 0) {
    throw new NotFoundError(
      `no bundle named ${bundle}: not cut here, not released here, and in no cluster's inventory`,
      { data: { bundle } },
    );
  }
  const events = orderEvents(
    listKubeEvents(ws.db, { bundle, ...(version ? { version } : {}), ...(cluster ? { cluster } : {}) }),
  );
  return { bundle, events, gathered: g.recorded, unreachable: g.unreachable };
}
