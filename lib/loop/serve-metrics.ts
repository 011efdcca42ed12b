/**
 * The metrics `drover serve` exposes on `/metrics`: what the loop did
 * (versions cut, releases by result, rollbacks, reconcile durations), what
 * woke it (webhooks by result, source wake-ups by trigger), drift findings
 * (a gauge the drift task sets) and a few cheap process metrics.
 *
 * @example
 *   const m = createServeMetrics();
 *   m.versionsCut.inc({ bundle: 'web' });
 *   m.registry.render();
 */
import { memoryUsage } from 'node:process';
import { type Counter, createMetricsRegistry, type Gauge, type Histogram, type MetricsRegistry } from './metrics.ts';

export interface ServeMetrics {
  registry: MetricsRegistry;
  versionsCut: Counter;
  releases: Counter;
  rollbacks: Counter;
  driftFindings: Gauge;
  reconcileDuration: Histogram;
  webhooks: Counter;
  sourceWakes: Counter;
  taskErrors: Counter;
  cutErrors: Counter;
  bundlesLeftSource: Gauge;
  registryUp: Gauge;
  sourceUp: Gauge;
  clusterUp: Gauge;
}

/** Release outcomes as counted in drover_releases_total's `result` label. */
export type ReleaseResultLabel = 'succeeded' | 'rolled-back' | 'rollback-failed' | 'error' | 'reverted' | 'revert-failed';

export function createServeMetrics({ startTimeMs = Date.now() }: { startTimeMs?: number } = {}): ServeMetrics {
  const registry = createMetricsRegistry();
  const m: ServeMetrics = {
    registry,
    versionsCut: registry.counter({ name: 'drover_versions_cut_total', help: 'Bundle versions cut by this process.', labelNames: ['bundle'] }),
    releases: registry.counter({ name: 'drover_releases_total', help: 'Releases of a bundle version to a cluster, by result.', labelNames: ['bundle', 'cluster', 'result'] }),
    rollbacks: registry.counter({
      name: 'drover_rollbacks_total',
      help: 'Whole-bundle rollbacks: failed releases restored (kind=release), interrupted releases restored (kind=recovery), healthy clusters returned to their previous version because another cluster of the environment failed (kind=revert), environment rollbacks asked through the API (kind=environment).',
      labelNames: ['kind'],
    }),
    driftFindings: registry.gauge({ name: 'drover_drift_findings', help: 'Open drift findings, as last reported by the drift task.', labelNames: ['bundle'] }),
    reconcileDuration: registry.histogram({ name: 'drover_reconcile_duration_seconds', help: 'Duration of one reconcile task: a source cut or a bundle rollout.', labelNames: ['task'] }),
    webhooks: registry.counter({ name: 'drover_webhook_requests_total', help: 'Webhook requests by provider and result.', labelNames: ['provider', 'result'] }),
    sourceWakes: registry.counter({ name: 'drover_source_wakes_total', help: 'Times a source was woken, by trigger.', labelNames: ['source', 'trigger'] }),
    taskErrors: registry.counter({ name: 'drover_task_errors_total', help: 'Failed reconcile tasks (retried with backoff), by task key.', labelNames: ['key'] }),
    cutErrors: registry.counter({ name: 'drover_cut_errors_total', help: 'Bundles skipped by a cut because their content is invalid (lint error, plaintext Secret) or a file they could take members from fails to parse.', labelNames: ['bundle'] }),
    bundlesLeftSource: registry.gauge({
      name: 'drover_bundles_left_source',
      help: "1 for a bundle whose Bundle document is gone from its source's head: its clusters keep running its last version and automation leaves it alone until it comes back or is retired.",
      labelNames: ['bundle', 'source'],
    }),
    registryUp: registry.gauge({ name: 'drover_registry_up', help: 'Whether the last request to the registry answered (1) or it was unreachable (0).' }),
    sourceUp: registry.gauge({ name: 'drover_source_up', help: "Whether the last fetch of a source's Git server answered (1) or it was unreachable (0).", labelNames: ['source'] }),
    clusterUp: registry.gauge({ name: 'drover_cluster_up', help: "Whether the last release to a cluster reached its API server (1) or it was unreachable (0).", labelNames: ['cluster'] }),
  };
  // Series that exist from the start, so a query sees 0 rather than nothing.
  for (const kind of ['release', 'recovery', 'revert', 'environment']) m.rollbacks.inc({ kind }, 0);
  registry.collected({ name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch, in seconds.', type: 'gauge', collect: () => Math.floor(startTimeMs / 1000) });
  registry.collected({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent, in seconds.',
    type: 'counter',
    collect: () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    },
  });
  registry.collected({ name: 'process_resident_memory_bytes', help: 'Resident memory size, in bytes.', type: 'gauge', collect: () => memoryUsage.rss() });
  registry.collected({ name: 'nodejs_heap_used_bytes', help: 'V8 heap in use, in bytes.', type: 'gauge', collect: () => memoryUsage().heapUsed });
  return m;
}
