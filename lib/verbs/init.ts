/**
 * `drover init`: writes a starter drover.yaml. The text is assembled by a pure
 * function so it can be checked against the schema in tests; writing refuses
 * to overwrite an existing file unless asked.
 *
 * @example
 *   await initConfig({ path: 'drover.yaml', source: 'https://git.example/apps.git' });
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { resolve, dirname } from 'node:path';
import { stringify } from 'yaml';
import { ConflictError } from '../errors/errors.ts';

export interface InitOptions {
  path?: string;
  /** URL or local path of the Git repository holding manifests. */
  source?: string;
  branch?: string;
  registry?: string;
  /** Kubeconfig contexts to register as clusters, in environment order (first is dev). */
  contexts?: string[];
  force?: boolean;
}

/** The starter configuration as YAML text. Pure. */
export function assembleInitConfig({
  source = '.',
  branch = 'main',
  registry = 'oci-layout://.drover/registry',
  contexts = [],
}: InitOptions = {}): string {
  const envNames = ['dev', 'staging', 'prod'];
  const doc: Record<string, unknown> = {
    apiVersion: 'drover.dev/v1alpha1',
    kind: 'Config',
    sources: [{ name: 'manifests', url: source, branch }],
    registry,
    state: '.drover/state.db',
  };
  if (contexts.length > 0) {
    doc.clusters = contexts.map((c) => ({ name: c, context: c }));
    doc.environments = contexts.map((c, i) => ({
      name: envNames[i] ?? `env${i + 1}`,
      clusters: [c],
      promotion: { mode: i === 0 ? 'auto' : 'manual' },
    }));
  }
  return `# Drover configuration: see schemas/drover.schema.json for every field.\n${stringify(doc)}`;
}

export async function initConfig(opts: InitOptions = {}): Promise<{ path: string }> {
  const path = resolve(opts.path ?? 'drover.yaml');
  await mkdir(dirname(path), { recursive: true });
  try {
    await writeFile(path, assembleInitConfig(opts), { flag: opts.force ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new ConflictError(`${path} already exists (use --force to overwrite)`, { data: { path } });
    throw err;
  }
  return { path };
}
