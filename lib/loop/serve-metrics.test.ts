// What `/metrics` serves, read back from the text prom-client renders: every
// Drover metric with its type, help and label set (users' queries and the
// integration tests depend on them), the series that exist from the start,
// the histogram's buckets, and the process and Node.js defaults.
import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createServeMetrics, RECONCILE_BUCKETS } from './serve-metrics.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  type: string;
  help: string;
  samples: Sample[];
}

/** The text format 0.0.4 as families by name; a sample belongs to the family whose TYPE line came before it. */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta?.[1] === 'HELP') helps.set(meta[2]!, meta[3]!);
    else if (meta) families.set(meta[2]!, (current = { type: meta[3]!, help: helps.get(meta[2]!) ?? '', samples: [] }));
    else {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m || !current) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]),
      );
      current.samples.push({ name: m[1]!, labels, value: Number(m[3]) });
    }
  }
  return families;
}

const DROVER: { name: string; type: string; labels: string[]; help: string }[] = [
  {
    name: 'drover_versions_cut_total',
    type: 'counter',
    labels: ['bundle'],
    help: 'Bundle versions cut by this process.',
  },
  {
    name: 'drover_releases_total',
    type: 'counter',
    labels: ['bundle', 'cluster', 'result'],
    help: 'Releases of a bundle version to a cluster, by result.',
  },
  {
    name: 'drover_rollbacks_total',
    type: 'counter',
    labels: ['kind'],
    help: 'Whole-bundle rollbacks: failed releases restored (kind=release), interrupted releases restored (kind=recovery), healthy clusters returned to their previous version because another cluster of the environment failed (kind=revert), environment rollbacks asked through the API (kind=environment).',
  },
  {
    name: 'drover_drift_findings',
    type: 'gauge',
    labels: ['bundle'],
    help: 'Open drift findings, as last reported by the drift task.',
  },
  {
    name: 'drover_reconcile_duration_seconds',
    type: 'histogram',
    labels: ['task'],
    help: 'Duration of one reconcile task: a source cut or a bundle rollout.',
  },
  {
    name: 'drover_webhook_requests_total',
    type: 'counter',
    labels: ['provider', 'result'],
    help: 'Webhook requests by provider and result.',
  },
  {
    name: 'drover_source_wakes_total',
    type: 'counter',
    labels: ['source', 'trigger'],
    help: 'Times a source was woken, by trigger.',
  },
  {
    name: 'drover_task_errors_total',
    type: 'counter',
    labels: ['key'],
    help: 'Failed reconcile tasks (retried with backoff), by task key.',
  },
  {
    name: 'drover_cut_errors_total',
    type: 'counter',
    labels: ['bundle'],
    help: 'Bundles skipped by a cut because their content is invalid (lint error, plaintext Secret) or a file they could take members from fails to parse.',
  },
  {
    name: 'drover_bundles_left_source',
    type: 'gauge',
    labels: ['bundle', 'source'],
    help: "1 for a bundle whose Bundle document is gone from its source's head: its clusters keep running its last version and automation leaves it alone until it comes back or is retired.",
  },
  {
    name: 'drover_registry_up',
    type: 'gauge',
    labels: [],
    help: 'Whether the last request to the registry answered (1) or it was unreachable (0).',
  },
  {
    name: 'drover_source_up',
    type: 'gauge',
    labels: ['source'],
    help: "Whether the last fetch of a source's Git server answered (1) or it was unreachable (0).",
  },
  {
    name: 'drover_cluster_up',
    type: 'gauge',
    labels: ['cluster'],
    help: 'Whether the last release to a cluster reached its API server (1) or it was unreachable (0).',
  },
  {
    name: 'drover_channel_in_sync',
    type: 'gauge',
    labels: ['bundle', 'environment'],
    help: '1 when every cluster of the environment runs the digest its channel tag names, 0 when not (in flight, failed, refused, moved and not yet followed).',
  },
  {
    name: 'drover_channel_follows_total',
    type: 'counter',
    labels: ['bundle', 'environment', 'result'],
    help: 'Channel tags moved outside Drover and acted on: released healthy, failed and rolled back (the tag put back), refused (not a Drover version of the bundle), or left alone (the version is quarantined there).',
  },
  {
    name: 'drover_channel_refused',
    type: 'gauge',
    labels: ['bundle', 'environment', 'reason'],
    help: 'The channel tag names a digest that is not a Drover version of the bundle (reason: not-a-manifest, artifact-type, config-type, layer-type, malformed-config, malformed-layer, other-bundle, unreadable), not one this hub cut (not-cut-here), or not signed by a key its environment trusts (unsigned, untrusted-key, bad-signature, other-digest, no-trusted-key): nothing of it is applied.',
  },
];

/** Every metric touched once, as the daemon's call sites do. */
function exercised() {
  const m = createServeMetrics();
  m.versionsCut.inc({ bundle: 'web' });
  m.releases.inc({ bundle: 'web', cluster: 'c1', result: 'succeeded' });
  m.releases.inc({ bundle: 'web', cluster: 'c1', result: 'succeeded' });
  m.rollbacks.inc({ kind: 'release' });
  m.driftFindings.set({ bundle: 'web' }, 3);
  m.driftFindings.set({ bundle: 'web' }, 1);
  m.reconcileDuration.observe({ task: 'cut' }, 0.2);
  m.reconcileDuration.observe({ task: 'cut' }, 7);
  m.webhooks.inc({ provider: 'github', result: 'accepted' });
  m.sourceWakes.inc({ source: 'shop', trigger: 'webhook' });
  m.taskErrors.inc({ key: 'bundle:web' });
  m.cutErrors.inc({ bundle: 'api' });
  m.bundlesLeftSource.set({ bundle: 'old', source: 'shop' }, 1);
  m.registryUp.set(1);
  m.sourceUp.set({ source: 'shop' }, 0);
  m.clusterUp.set({ cluster: 'c1' }, 1);
  m.channelInSync.set({ bundle: 'web', environment: 'prod' }, 0);
  m.channelFollows.inc({ bundle: 'web', environment: 'prod', result: 'refused' });
  m.channelRefused.set({ bundle: 'web', environment: 'prod', reason: 'artifact-type' }, 1);
  return m;
}

describe('/metrics', () => {
  it('serves every Drover metric with its type, help and label set', async () => {
    const m = exercised();
    expect(m.registry.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(await m.registry.metrics());
    for (const d of DROVER) {
      const f = families.get(d.name);
      expect([d.name, f?.type, f?.help]).toEqual([d.name, d.type, d.help]);
      expect(f!.samples.length).toBeGreaterThan(0);
      for (const s of f!.samples)
        expect([s.name, Object.keys(s.labels).filter((l) => l !== 'le')]).toEqual([s.name, d.labels]);
    }
  });

  it('serves the values set, labels in their declared order, and rollbacks of every kind from the start', async () => {
    const text = await exercised().registry.metrics();
    const lines = text.split('\n');
    for (const series of [
      'drover_versions_cut_total{bundle="web"} 1',
      'drover_releases_total{bundle="web",cluster="c1",result="succeeded"} 2',
      'drover_rollbacks_total{kind="release"} 1',
      'drover_rollbacks_total{kind="recovery"} 0',
      'drover_rollbacks_total{kind="revert"} 0',
      'drover_rollbacks_total{kind="environment"} 0',
      'drover_drift_findings{bundle="web"} 1',
      'drover_webhook_requests_total{provider="github",result="accepted"} 1',
      'drover_source_wakes_total{source="shop",trigger="webhook"} 1',
      'drover_bundles_left_source{bundle="old",source="shop"} 1',
      'drover_registry_up 1',
      'drover_source_up{source="shop"} 0',
      'drover_cluster_up{cluster="c1"} 1',
      'drover_channel_in_sync{bundle="web",environment="prod"} 0',
      'drover_channel_follows_total{bundle="web",environment="prod",result="refused"} 1',
      'drover_channel_refused{bundle="web",environment="prod",reason="artifact-type"} 1',
    ]) {
      expect(lines).toContain(series);
    }
    const fresh = await createServeMetrics().registry.metrics();
    expect(fresh).toContain('drover_rollbacks_total{kind="recovery"} 0\n');
    expect(fresh).not.toMatch(/^drover_versions_cut_total\{/m);
  });

  it('buckets reconcile durations from 50 ms to 5 minutes', async () => {
    const h = parseExposition(await exercised().registry.metrics()).get('drover_reconcile_duration_seconds')!;
    const buckets = h.samples.filter((s) => s.name.endsWith('_bucket'));
    expect(buckets.map((s) => s.labels.le)).toEqual([...RECONCILE_BUCKETS.map(String), '+Inf']);
    expect(buckets.map((s) => s.value)).toEqual([0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
    expect(h.samples.filter((s) => !s.name.endsWith('_bucket')).map((s) => [s.name, s.labels, s.value])).toEqual([
      ['drover_reconcile_duration_seconds_sum', { task: 'cut' }, 7.2],
      ['drover_reconcile_duration_seconds_count', { task: 'cut' }, 2],
    ]);
  });

  it("serves prom-client's process and Node.js defaults, and nodejs_heap_used_bytes as before", async () => {
    const families = parseExposition(await createServeMetrics().registry.metrics());
    const value = (name: string) => families.get(name)?.samples[0]?.value;
    for (const [name, type] of [
      ['process_start_time_seconds', 'gauge'],
      ['process_cpu_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['nodejs_heap_size_used_bytes', 'gauge'],
      ['nodejs_heap_used_bytes', 'gauge'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
      ['nodejs_gc_duration_seconds', 'histogram'],
    ] as const) {
      expect([name, families.get(name)?.type]).toEqual([name, type]);
    }
    const now = Date.now() / 1000;
    expect(value('process_start_time_seconds')).toBeGreaterThan(now - process.uptime() - 2);
    expect(value('process_start_time_seconds')).toBeLessThanOrEqual(now + 1);
    expect(value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(value('nodejs_heap_used_bytes')).toBeGreaterThan(0);
    expect(families.get('nodejs_heap_used_bytes')?.help).toBe('V8 heap in use, in bytes.');
  });

  it('keeps each daemon to its own registry: two in one process share nothing, the global registry stays empty', async () => {
    const a = createServeMetrics();
    const b = createServeMetrics();
    a.versionsCut.inc({ bundle: 'web' });
    expect(await a.registry.metrics()).toContain('drover_versions_cut_total{bundle="web"} 1\n');
    expect(await b.registry.metrics()).not.toContain('drover_versions_cut_total{bundle="web"}');
    expect(register.getMetricsAsArray()).toEqual([]);
  });

  it('refuses a label a metric does not declare, and a counter going down', () => {
    const m = createServeMetrics();
    expect(() => m.releases.inc({ bundle: 'web', cluster: 'c1', result: 'succeeded', env: 'dev' } as never)).toThrow(
      /not included in initial labelset/,
    );
    expect(() => m.versionsCut.inc({ bundle: 'web' }, -1)).toThrow(/not possible to decrease/);
  });
});
