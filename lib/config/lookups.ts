/**
 * Lookups over a resolved drover.yaml: an environment by name, the
 * environment a cluster belongs to, whether a cluster is an agent cluster,
 * and an environment's agent clusters. Rules over the config alone (no
 * schema, no I/O), so any layer that holds a config asks them here.
 *
 * @example
 *   environmentOf(ws.config, 'prod').clusters          // ['c2', 'c3']; NotFoundError naming drover.yaml otherwise
 *   environmentOfCluster(ws.config, 'c3')?.name        // 'prod'
 *   agentClustersOf(ws.config, environmentOf(ws.config, 'edge')) // ['c5']
 */
import { NotFoundError } from '../errors/errors.ts';
import type { DroverConfig, EnvironmentConfig } from './types.ts';

/** The environment of that name in the config; NotFoundError naming the file otherwise. */
export function environmentOf(config: DroverConfig, name: string): EnvironmentConfig {
  const e = config.environments.find((x) => x.name === name);
  if (!e) throw new NotFoundError(`${config.file}: no environment named ${name}`, { data: { environment: name } });
  return e;
}

/** The environment a cluster belongs to (the first that names it), if any. */
export function environmentOfCluster(config: DroverConfig, cluster: string): EnvironmentConfig | undefined {
  return config.environments.find((e) => e.clusters.includes(cluster));
}

/** Whether a configured cluster is reached through the registry by its agent (`mode: agent`), not by its API server. */
export function isAgentCluster(config: DroverConfig, cluster: string): boolean {
  return config.clusters.find((c) => c.name === cluster)?.mode === 'agent';
}

/** The environment's clusters that are agent clusters, in the environment's order. */
export function agentClustersOf(config: DroverConfig, e: EnvironmentConfig): string[] {
  return e.clusters.filter((c) => isAgentCluster(config, c));
}
