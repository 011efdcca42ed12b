/**
 * Opens a source from drover.yaml the one way every verb does: the object
 * cache under the state directory, credentials from the workspace's process
 * environment, relative paths against the config file, and drover.yaml's
 * `limits` on what one read of its content may take.
 *
 * @example
 *   const source = await openConfiguredSource({ ws, sc: ws.config.sources[0]!, signal });
 */
import { dirname, join } from 'node:path';
import type { DroverConfig, SourceConfig } from '../config/config.ts';
import { openSource, type Source } from '../source/index.ts';

export function openConfiguredSource({
  ws,
  sc,
  signal,
}: {
  /** The workspace (lib/workspace sits above this folder: only its config and env are read). */
  ws: { config: DroverConfig; env: NodeJS.ProcessEnv };
  sc: SourceConfig;
  signal?: AbortSignal;
}): Promise<Source> {
  return openSource({
    spec: {
      url: sc.url,
      branch: sc.branch,
      ...(sc.paths ? { paths: sc.paths } : {}),
      ...(sc.auth ? { auth: sc.auth } : {}),
    },
    cacheDir: join(dirname(ws.config.state), 'git'),
    env: ws.env,
    baseDir: dirname(ws.config.file),
    limits: ws.config.limits,
    signal,
  });
}
