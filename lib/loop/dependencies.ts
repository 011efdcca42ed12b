/**
 * What the daemon knows of the parts it depends on: the registry, each
 * source's Git server, each cluster. Every operation that reaches one says
 * how it went (an error's `data.dependency`, set where the adapters build
 * their UnavailableErrors, names which part did not answer), and the
 * registry is also probed on an interval, so `/metrics`
 * (`drover_registry_up`, `drover_source_up`, `drover_cluster_up`) and
 * `/api/v1/daemon` tell an operator which part is down and since when, while
 * `/readyz` stays 200: an outage of a dependency is not the daemon's own.
 * A change of state is logged once, not on every retry.
 *
 * @example
 *   const deps = createDependencyTracker({ metrics, log });
 *   deps.observe(err, { source: 'apps' }); // registry down, or the Git server of source apps
 *   deps.snapshot() // [{ kind: 'registry', name: 'oci://...', up: false, since: '...', error: '...' }]
 */
import { DroverError } from '../errors/errors.ts';
import type { Logger } from './log.ts';
import type { ServeMetrics } from './serve-metrics.ts';

export type DependencyKind = 'registry' | 'git' | 'cluster';

export interface DependencyState {
  kind: DependencyKind;
  /** The registry reference, the source's name, or the cluster's. */
  name: string;
  up: boolean;
  /** When it last changed state (or was first seen). */
  since: string;
  /** Why it is down. */
  error?: string;
}

export interface DependencyTracker {
  /** `name` is the source's or the cluster's; there is one registry, whose name is known. */
  up(kind: DependencyKind, name?: string): void;
  down(kind: DependencyKind, name: string | undefined, error: string): void;
  /** Marks the part an error came from as down, when the error says (`data.dependency`). Returns whether it did. */
  observe(err: unknown, context?: { source?: string }): boolean;
  snapshot(): DependencyState[];
}

export function createDependencyTracker({
  metrics,
  log,
  registry,
  onRecovered = () => {},
}: {
  metrics: ServeMetrics;
  log: Logger;
  registry: string;
  /** A part that was down answers again: the work that waited on it can be woken now rather than at its next backoff. */
  onRecovered?: (kind: DependencyKind, name: string) => void;
}): DependencyTracker {
  const states = new Map<string, DependencyState>();
  const gauge = (kind: DependencyKind, name: string, value: number) => {
    if (kind === 'registry') metrics.registryUp.set(value);
    else if (kind === 'git') metrics.sourceUp.set({ source: name }, value);
    else metrics.clusterUp.set({ cluster: name }, value);
  };
  const set = (kind: DependencyKind, name: string, up: boolean, error?: string) => {
    const key = `${kind}:${name}`;
    const before = states.get(key);
    gauge(kind, name, up ? 1 : 0);
    if (before && before.up === up) {
      if (!up && error) before.error = error;
      return;
    }
    states.set(key, { kind, name, up, since: new Date().toISOString(), ...(error ? { error } : {}) });
    const what =
      kind === 'git' ? `the Git server of source ${name}` : kind === 'cluster' ? `cluster ${name}` : `registry ${name}`;
    if (!up)
      log.warn(`${what} is unreachable: ${error ?? 'no answer'}; work that needs it is retried with backoff`, {
        dependency: kind,
        name,
      });
    else if (before) {
      log.info(`${what} answers again`, { dependency: kind, name });
      onRecovered(kind, name);
    }
  };
  return {
    up: (kind, name = '') => set(kind, kind === 'registry' ? registry : name, true),
    down: (kind, name = '', error) => set(kind, kind === 'registry' ? registry : name, false, error),
    observe(err, { source } = {}) {
      if (!(err instanceof DroverError)) return false;
      const dep = err.data.dependency;
      if (dep === 'registry') set('registry', registry, false, err.message);
      else if (dep === 'git' && source) set('git', source, false, err.message);
      else if (dep === 'cluster' && typeof err.data.cluster === 'string')
        set('cluster', err.data.cluster, false, err.message);
      else return false;
      return true;
    },
    snapshot: () => [...states.values()].map((s) => ({ ...s })),
  };
}
