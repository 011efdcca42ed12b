/**
 * Recovery of every release the journal shows unfinished, whatever its
 * bundle: what `drover serve` runs before it takes work, and again when it
 * stops after aborting releases that outran the grace period. Each
 * interrupted release is marked failed and its cluster restored to the
 * version its inventory says it ran whole (lib/release/recover.ts), each
 * bundle x cluster side by side. One's trouble (a cluster down, a registry
 * error) is reported and does not stop the others.
 *
 * @example
 *   const r = await recoverAll({ ws, env: process.env, signal });
 *   r.recovered // [{ release, outcome: 'rolled-back', message }]
 */
import { toDroverError, type DroverError } from '../errors/errors.ts';
import type { OnEvent } from '../progress.ts';
import { recoverReleases, type RecoveredRelease } from '../release/recover.ts';
import { unfinishedReleases } from '../state/releases.ts';
import { sopsPreparer } from '../release/sops-preparer.ts';
import { environmentOfCluster } from '../config/lookups.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface RecoverAllResult {
  recovered: RecoveredRelease[];
  failed: { bundle: string; cluster: string; error: DroverError }[];
}

export async function recoverAll({
  ws,
  onEvent,
  signal,
}: {
  ws: Workspace;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}): Promise<RecoverAllResult> {
  const result: RecoverAllResult = { recovered: [], failed: [] };
  const open = unfinishedReleases(ws.db);
  if (open.length === 0) return result;
  const configured = new Set(ws.config.clusters.map((c) => c.name));
  // A recovered release restores whatever its cluster ran: any environment's key may be the one.
  const prepare = sopsPreparer({ environments: ws.config.environments, env: ws.env });
  // One task per bundle x cluster, all side by side: recoverReleases leaves releases on clusters it is not given alone.
  const pairs = [
    ...new Map(
      open
        .filter((r) => configured.has(r.cluster))
        .map((r) => [`${r.bundle}\u0000${r.cluster}`, { bundle: r.bundle, cluster: r.cluster }]),
    ).values(),
  ];
  await Promise.all(
    pairs.map(async ({ bundle, cluster }) => {
      try {
        const clusters = await ws.clusters([cluster]);
        const versions = ws.versions(bundle, { signal });
        const loadVersion = ({ digest }: { digest: string }) => versions.load(digest);
        const environment = environmentOfCluster(ws.config, cluster)?.name;
        const contentFor = (c: string, v: { digest: string }) =>
          versions.load(v.digest, { for: { cluster: c, ...(environment ? { environment } : {}) } });
        const done = await recoverReleases({
          db: ws.db,
          clusters,
          bundle,
          loadVersion,
          contentFor,
          prepare,
          onEvent,
          signal,
        });
        result.recovered.push(...done.filter((r) => r.release.cluster === cluster));
      } catch (err) {
        result.failed.push({ bundle, cluster, error: toDroverError(err) });
      }
    }),
  );
  return result;
}
