/**
 * Opens a source from drover.yaml the one way every verb does: the object
 * cache under the state directory, credentials from the given environment,
 * relative paths against the config file.
 */
import { dirname, join } from 'node:path';
import type { SourceConfig } from '../config/config.ts';
import { openSource, type Source } from '../source/index.ts';
import type { Workspace } from './workspace.ts';

export function openConfiguredSource({
  ws,
  sc,
  signal,
}: {
  ws: Workspace;
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
    signal,
  });
}
