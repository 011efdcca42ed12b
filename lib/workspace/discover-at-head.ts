/**
 * Discovery at each source's head, exactly as `cut` discovers (every file
 * loaded, a file that fails to parse blocking the bundles it could belong
 * to): what `discover` and `lint` show.
 */
import { discoverBundles, type Discovery } from '../bundle/discover.ts';
import { type FileFailure, loadObjects } from '../object/yaml.ts';
import { isManifestPath } from '../source/index.ts';
import { openConfiguredSource } from './source.ts';
import type { Workspace } from './workspace.ts';

export async function discoverAtHead({ ws, env = {}, signal }: { ws: Workspace; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<{ source: string; head: string; bundles: Discovery['bundles']; blocked: Discovery['blocked'] }[]> {
  const out = [];
  for (const sc of ws.config.sources) {
    const source = await openConfiguredSource({ ws, sc, env, ...(signal ? { signal } : {}) });
    const { head } = await source.sync({ ...(signal ? { signal } : {}) });
    const files = await source.readFiles({ commit: head, filter: isManifestPath, ...(signal ? { signal } : {}) });
    const failures: FileFailure[] = [];
    const objects = loadObjects({ files: files.map((f) => ({ path: f.path, text: f.text })), onFileError: (f) => failures.push(f) });
    if (failures.length > 0 && objects.length === 0) throw failures[0]!.error;
    const d = discoverBundles({ objects, failures });
    if (failures.length > 0 && d.bundles.length === 0) throw failures[0]!.error;
    out.push({ source: sc.name, head, bundles: d.bundles, blocked: d.blocked });
  }
  return out;
}
