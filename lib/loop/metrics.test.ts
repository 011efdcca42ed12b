import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, escapeLabelValue, formatSampleValue } from './metrics.ts';
import { createServeMetrics } from './serve-metrics.ts';

describe('metrics rendering', () => {
  it('renders counters, gauges and histograms in the text format, series sorted by label values', () => {
    const reg = createMetricsRegistry();
    const releases = reg.counter({ name: 'drover_releases_total', help: 'Releases.', labelNames: ['bundle', 'cluster', 'result'] });
    const drift = reg.gauge({ name: 'drover_drift_findings', help: 'Findings.', labelNames: ['bundle'] });
    const dur = reg.histogram({ name: 'drover_reconcile_duration_seconds', help: 'Durations.', labelNames: ['task'], buckets: [1, 0.5, 5] });
    releases.inc({ bundle: 'web', cluster: 'c2', result: 'succeeded' });
    releases.inc({ bundle: 'web', cluster: 'c1', result: 'succeeded' }, 2);
    releases.inc({ cluster: 'c1', result: 'error', bundle: 'api' });
    drift.set({ bundle: 'web' }, 3);
    drift.set({ bundle: 'web' }, 1);
    dur.observe({ task: 'cut' }, 0.2);
    dur.observe({ task: 'cut' }, 0.5);
    dur.observe({ task: 'cut' }, 7);
    expect(reg.render()).toBe(
      [
        '# HELP drover_releases_total Releases.',
        '# TYPE drover_releases_total counter',
        'drover_releases_total{bundle="api",cluster="c1",result="error"} 1',
        'drover_releases_total{bundle="web",cluster="c1",result="succeeded"} 2',
        'drover_releases_total{bundle="web",cluster="c2",result="succeeded"} 1',
        '# HELP drover_drift_findings Findings.',
        '# TYPE drover_drift_findings gauge',
        'drover_drift_findings{bundle="web"} 1',
        '# HELP drover_reconcile_duration_seconds Durations.',
        '# TYPE drover_reconcile_duration_seconds histogram',
        'drover_reconcile_duration_seconds_bucket{task="cut",le="0.5"} 2',
        'drover_reconcile_duration_seconds_bucket{task="cut",le="1"} 2',
        'drover_reconcile_duration_seconds_bucket{task="cut",le="5"} 2',
        'drover_reconcile_duration_seconds_bucket{task="cut",le="+Inf"} 3',
        'drover_reconcile_duration_seconds_sum{task="cut"} 7.7',
        'drover_reconcile_duration_seconds_count{task="cut"} 3',
        '',
      ].join('\n'),
    );
    expect(releases.get({ bundle: 'web', cluster: 'c1', result: 'succeeded' })).toBe(2);
    expect(dur.count({ task: 'cut' })).toBe(3);
  });

  it('renders a metric with no series as its HELP and TYPE only, and unlabelled series bare', () => {
    const reg = createMetricsRegistry();
    reg.counter({ name: 'a_total', help: 'A.' });
    reg.gauge({ name: 'b', help: 'B.' }).set(2.5);
    reg.collected({ name: 'c_seconds_total', help: 'C.', type: 'counter', collect: () => 1.25 });
    expect(reg.render()).toBe('# HELP a_total A.\n# TYPE a_total counter\n# HELP b B.\n# TYPE b gauge\nb 2.5\n# HELP c_seconds_total C.\n# TYPE c_seconds_total counter\nc_seconds_total 1.25\n');
  });

  it('escapes label values and help text', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const reg = createMetricsRegistry();
    reg.counter({ name: 'x_total', help: 'line one\nback\\slash', labelNames: ['bundle'] }).inc({ bundle: 'we"ird' });
    expect(reg.render()).toContain('# HELP x_total line one\\nback\\\\slash\n');
    expect(reg.render()).toContain('x_total{bundle="we\\"ird"} 1\n');
  });

  it('spells special values the way Prometheus parses them', () => {
    expect([Infinity, -Infinity, NaN, 0, 12, 0.1].map(formatSampleValue)).toEqual(['+Inf', '-Inf', 'NaN', '0', '12', '0.1']);
  });

  it('refuses bad names, unknown labels, a reserved le label, duplicates and a counter going down', () => {
    const reg = createMetricsRegistry();
    expect(() => reg.counter({ name: 'bad-name', help: '' })).toThrow(/invalid metric name/);
    expect(() => reg.histogram({ name: 'h', help: '', labelNames: ['le'] })).toThrow(/invalid label name/);
    const c = reg.counter({ name: 'ok_total', help: '', labelNames: ['bundle'] });
    expect(() => reg.counter({ name: 'ok_total', help: '' })).toThrow(/registered twice/);
    expect(() => c.inc({ cluster: 'c1' })).toThrow(/unknown label cluster/);
    expect(() => c.inc({ bundle: 'web' }, -1)).toThrow(/only goes up/);
  });

  it('exposes the daemon metric names the issue asks for, plus process metrics', () => {
    const m = createServeMetrics({ startTimeMs: 1_700_000_000_500 });
    m.versionsCut.inc({ bundle: 'web' });
    const text = m.registry.render();
    for (const name of ['drover_versions_cut_total', 'drover_releases_total', 'drover_rollbacks_total', 'drover_drift_findings', 'drover_reconcile_duration_seconds', 'process_cpu_seconds_total', 'process_resident_memory_bytes']) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(text).toContain('drover_versions_cut_total{bundle="web"} 1\n');
    expect(text).toContain('process_start_time_seconds 1700000000\n');
  });
});
