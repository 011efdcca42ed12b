/**
 * Which target a cluster deploys: its own (`prod/c3`) when the version has
 * one, else its environment's (`prod`); a version cut without targets has one
 * variant for every cluster. Pure.
 *
 * @example
 *   targetFor({ available: ['dev', 'prod', 'prod/c3'], environment: 'prod', cluster: 'c3' }) // => 'prod/c3'
 *   targetFor({ available: ['dev', 'prod', 'prod/c3'], environment: 'prod', cluster: 'c2' }) // => 'prod'
 */

/** The name a cluster's own target would have. */
export const clusterTarget = (environment: string, cluster: string): string => `${environment}/${cluster}`;

/**
 * The target of `available` a cluster takes, or undefined when the version
 * has none for it. `available` empty (a version without targets) gives
 * undefined too: the version's one variant serves every cluster.
 */
export function targetFor({
  available,
  environment,
  cluster,
}: {
  available: readonly string[];
  environment: string | undefined;
  cluster: string;
}): string | undefined {
  if (!environment) return available.find((t) => t.endsWith(`/${cluster}`));
  return [clusterTarget(environment, cluster), environment].find((t) => available.includes(t));
}
