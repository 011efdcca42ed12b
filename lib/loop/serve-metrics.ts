/**
 * The metrics `drover serve` exposes on `/metrics`: what the loop did
 * (versions cut, releases by result, rollbacks, reconcile durations), what
 * woke it (webhooks by result, source wake-ups by trigger), drift findings
 * (a gauge the drift task sets), which dependencies answer, and the process.
 *
 * They are prom-client's, the Node client Prometheus lists: it renders the
 * text format (escaping, histogram buckets, special values) and brings the
 * standard `process_*` and `nodejs_*` metrics every Node dashboard reads,
 * so Drover keeps no exposition code of its own. Each call makes its own
 * Registry, never prom-client's global one, so two daemons (or tests) in
 * one process never share or collide on a series.
 *
 * @example
 *   const m = createServeMetrics();
 *   m.versionsCut.inc({ bundle: 'web' });
 *   await m.registry.metrics(); // '# HELP drover_versions_cut_total ...\ndrover_versions_cut_total{bundle="web"} 1\n...'
 */
import { memoryUsage } from 'node:process';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ServeMetrics {
  registry: Registry;
  versionsCut: Counter<'bundle'>;
  releases: Counter<'bundle' | 'cluster' | 'result'>;
  rollbacks: Counter<'kind'>;
  driftFindings: Gauge<'bundle'>;
  reconcileDuration: Histogram<'task'>;
  webhooks: Counter<'provider' | 'result'>;
  sourceWakes: Counter<'source' | 'trigger'>;
  taskErrors: Counter<'key'>;
  cutErrors: Counter<'bundle'>;
  bundlesLeftSource: Gauge<'bundle' | 'source'>;
  registryUp: Gauge;
  sourceUp: Gauge<'source'>;
  clusterUp: Gauge<'cluster'>;
  channelInSync: Gauge<'bundle' | 'environment'>;
  channelFollows: Counter<'bundle' | 'environment' | 'result'>;
  channelRefused: Gauge<'bundle' | 'environment' | 'reason'>;
  releaseRefused: Counter<'bundle' | 'reason'>;
  verifyRefused: Counter<'reason'>;
}

/** Release outcomes as counted in drover_releases_total's `result` label. */
export type ReleaseResultLabel =
  'succeeded' | 'rolled-back' | 'rollback-failed' | 'error' | 'reverted' | 'revert-failed';

/** drover_reconcile_duration_seconds' buckets: a cut takes well under a second, a rollout up to minutes. */
export const RECONCILE_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createServeMetrics(): ServeMetrics {
  const registry = new Registry();
  const registers = [registry];
  const m: ServeMetrics = {
    registry,
    versionsCut: new Counter({
      registers,
      name: 'drover_versions_cut_total',
      help: 'Bundle versions cut by this process.',
      labelNames: ['bundle'],
    }),
    releases: new Counter({
      registers,
      name: 'drover_releases_total',
      help: 'Releases of a bundle version to a cluster, by result.',
      labelNames: ['bundle', 'cluster', 'result'],
    }),
    rollbacks: new Counter({
      registers,
      name: 'drover_rollbacks_total',
      help: 'Whole-bundle rollbacks: failed releases restored (kind=release), interrupted releases restored (kind=recovery), healthy clusters returned to their previous version because another cluster of the environment failed (kind=revert), environment rollbacks asked through the API (kind=environment).',
      labelNames: ['kind'],
    }),
    driftFindings: new Gauge({
      registers,
      name: 'drover_drift_findings',
      help: 'Open drift findings, as last reported by the drift task.',
      labelNames: ['bundle'],
    }),
    reconcileDuration: new Histogram({
      registers,
      name: 'drover_reconcile_duration_seconds',
      help: 'Duration of one reconcile task: a source cut or a bundle rollout.',
      labelNames: ['task'],
      buckets: [...RECONCILE_BUCKETS],
    }),
    webhooks: new Counter({
      registers,
      name: 'drover_webhook_requests_total',
      help: 'Webhook requests by provider and result.',
      labelNames: ['provider', 'result'],
    }),
    sourceWakes: new Counter({
      registers,
      name: 'drover_source_wakes_total',
      help: 'Times a source was woken, by trigger.',
      labelNames: ['source', 'trigger'],
    }),
    taskErrors: new Counter({
      registers,
      name: 'drover_task_errors_total',
      help: 'Failed reconcile tasks (retried with backoff), by task key.',
      labelNames: ['key'],
    }),
    cutErrors: new Counter({
      registers,
      name: 'drover_cut_errors_total',
      help: 'Bundles skipped by a cut because their content is invalid (lint error, plaintext Secret) or a file they could take members from fails to parse.',
      labelNames: ['bundle'],
    }),
    bundlesLeftSource: new Gauge({
      registers,
      name: 'drover_bundles_left_source',
      help: "1 for a bundle whose Bundle document is gone from its source's head: its clusters keep running its last version and automation leaves it alone until it comes back or is retired.",
      labelNames: ['bundle', 'source'],
    }),
    registryUp: new Gauge({
      registers,
      name: 'drover_registry_up',
      help: 'Whether the last request to the registry answered (1) or it was unreachable (0).',
    }),
    sourceUp: new Gauge({
      registers,
      name: 'drover_source_up',
      help: "Whether the last fetch of a source's Git server answered (1) or it was unreachable (0).",
      labelNames: ['source'],
    }),
    clusterUp: new Gauge({
      registers,
      name: 'drover_cluster_up',
      help: 'Whether the last release to a cluster reached its API server (1) or it was unreachable (0).',
      labelNames: ['cluster'],
    }),
    channelInSync: new Gauge({
      registers,
      name: 'drover_channel_in_sync',
      help: '1 when every cluster of the environment runs the digest its channel tag names, 0 when not (in flight, failed, refused, moved and not yet followed).',
      labelNames: ['bundle', 'environment'],
    }),
    channelFollows: new Counter({
      registers,
      name: 'drover_channel_follows_total',
      help: 'Channel tags moved outside Drover and acted on: released healthy, failed and rolled back (the tag put back), refused (not a Drover version of the bundle), or left alone (the version is quarantined there).',
      labelNames: ['bundle', 'environment', 'result'],
    }),
    channelRefused: new Gauge({
      registers,
      name: 'drover_channel_refused',
      help: 'The channel tag names a digest that is not a Drover version of the bundle (reason: not-a-manifest, artifact-type, config-type, layer-type, malformed-config, malformed-layer, other-bundle, unreadable), not one this hub cut (not-cut-here), or not signed by a key its environment trusts (unsigned, untrusted-key, bad-signature, other-digest, no-trusted-key): nothing of it is applied.',
      labelNames: ['bundle', 'environment', 'reason'],
    }),
    releaseRefused: new Counter({
      registers,
      name: 'drover_release_refused_total',
      help: "Releases refused before any write, by reason: ForeignObject (a member exists and is not the bundle's), NamespaceMissing, ReservedNamespace (drover-system), InventoryMissing (the journal says a version runs), EmptyVersion.",
      labelNames: ['bundle', 'reason'],
    }),
    verifyRefused: new Counter({
      registers,
      name: 'drover_verify_refused_total',
      help: 'Rollouts refused before any apply because the version is not trusted, by reason: not-cut-here (a digest this hub never cut), or its signature did not verify in an environment with requireSignatures: unsigned, bad-signature, untrusted-key, other-digest, no-trusted-key.',
      labelNames: ['reason'],
    }),
  };
  // Series that exist from the start, so a query sees 0 rather than nothing.
  for (const kind of ['release', 'recovery', 'revert', 'environment']) m.rollbacks.inc({ kind }, 0);
  for (const reason of ['not-cut-here', 'unsigned', 'bad-signature', 'untrusted-key', 'other-digest', 'no-trusted-key'])
    m.verifyRefused.inc({ reason }, 0);
  // process_start_time_seconds, process_cpu_seconds_total, process_resident_memory_bytes, nodejs_heap_size_used_bytes, ...
  collectDefaultMetrics({ register: registry });
  // Drover's name from before prom-client; the same value as nodejs_heap_size_used_bytes, kept for the dashboards that read it.
  new Gauge({
    registers,
    name: 'nodejs_heap_used_bytes',
    help: 'V8 heap in use, in bytes.',
    collect() {
      this.set(memoryUsage().heapUsed);
    },
  });
  return m;
}
