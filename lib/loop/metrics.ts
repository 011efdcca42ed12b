/**
 * Prometheus metrics written by hand: counters, gauges and histograms with
 * labels, kept in memory and rendered in the text exposition format 0.0.4.
 * Series render in a stable order (metric registration order, then label
 * values) so the output is diffable and testable.
 *
 * @example
 *   const reg = createMetricsRegistry();
 *   const cut = reg.counter({ name: 'drover_versions_cut_total', help: 'Versions cut.', labelNames: ['bundle'] });
 *   cut.inc({ bundle: 'web' });
 *   reg.render(); // '# HELP drover_versions_cut_total Versions cut.\n# TYPE ... counter\ndrover_versions_cut_total{bundle="web"} 1\n'
 */

export type Labels = Record<string, string>;
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
}
export interface Gauge {
  set(labels: Labels, value: number): void;
  set(value: number): void;
  get(labels?: Labels): number;
}
export interface Histogram {
  observe(labels: Labels, value: number): void;
  observe(value: number): void;
  count(labels?: Labels): number;
}

export interface MetricDef {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

interface Family {
  def: MetricDef;
  type: MetricType;
  /** Series by serialized labels. Values: number, or the histogram's bucket counts + sum + count. */
  series: Map<string, { labels: Labels; value: number; buckets?: number[]; sum?: number }>;
  buckets?: readonly number[];
  /** Read at render time (process metrics). */
  collect?: () => number;
}

export interface MetricsRegistry {
  counter(def: MetricDef): Counter;
  gauge(def: MetricDef): Gauge;
  histogram(def: MetricDef & { buckets?: readonly number[] }): Histogram;
  /** A gauge or counter whose single value is read when rendering. */
  collected(def: MetricDef & { type: 'counter' | 'gauge'; collect: () => number }): void;
  render(): string;
}

export const DEFAULT_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value escaped for the text format: backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/** A sample value: integers as they are, +Inf / -Inf / NaN spelled as Prometheus reads them. */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export function createMetricsRegistry(): MetricsRegistry {
  const families: Family[] = [];

  const register = (def: MetricDef, type: MetricType, extra: Partial<Family> = {}): Family => {
    if (!NAME.test(def.name)) throw new TypeError(`invalid metric name ${def.name}`);
    for (const l of def.labelNames ?? []) if (!LABEL.test(l) || l === 'le') throw new TypeError(`${def.name}: invalid label name ${l}`);
    if (families.some((f) => f.def.name === def.name)) throw new TypeError(`metric ${def.name} registered twice`);
    const f: Family = { def, type, series: new Map(), ...extra };
    families.push(f);
    return f;
  };
  // Labels are normalized to the declared names, in declared order; a missing one is an empty string.
  const key = (f: Family, labels: Labels = {}): { k: string; labels: Labels } => {
    const names = f.def.labelNames ?? [];
    for (const n of Object.keys(labels)) if (!names.includes(n)) throw new TypeError(`${f.def.name}: unknown label ${n}`);
    const norm: Labels = {};
    for (const n of names) norm[n] = labels[n] ?? '';
    return { k: JSON.stringify(names.map((n) => norm[n])), labels: norm };
  };
  const series = (f: Family, labels?: Labels) => {
    const { k, labels: norm } = key(f, labels);
    let s = f.series.get(k);
    if (!s) {
      s = { labels: norm, value: 0, ...(f.type === 'histogram' ? { buckets: new Array<number>(f.buckets!.length).fill(0), sum: 0 } : {}) };
      f.series.set(k, s);
    }
    return s;
  };

  return {
    counter(def) {
      const f = register(def, 'counter');
      return {
        inc(labels, by = 1) {
          if (by < 0) throw new TypeError(`${def.name}: a counter only goes up`);
          series(f, labels).value += by;
        },
        get: (labels) => f.series.get(key(f, labels).k)?.value ?? 0,
      };
    },
    gauge(def) {
      const f = register(def, 'gauge');
      return {
        set(a: Labels | number, b?: number) {
          if (typeof a === 'number') series(f).value = a;
          else series(f, a).value = b ?? 0;
        },
        get: (labels) => f.series.get(key(f, labels).k)?.value ?? 0,
      };
    },
    histogram(def) {
      const buckets = [...(def.buckets ?? DEFAULT_BUCKETS)].sort((a, b) => a - b);
      const f = register(def, 'histogram', { buckets });
      return {
        observe(a: Labels | number, b?: number) {
          const [labels, v] = typeof a === 'number' ? [undefined, a] : [a, b ?? 0];
          const s = series(f, labels);
          buckets.forEach((le, i) => {
            if (v <= le) s.buckets![i]!++;
          });
          s.sum! += v;
          s.value++;
        },
        count: (labels) => f.series.get(key(f, labels).k)?.value ?? 0,
      };
    },
    collected(def) {
      register(def, def.type, { collect: def.collect });
    },
    render() {
      const out: string[] = [];
      for (const f of families) {
        out.push(`# HELP ${f.def.name} ${f.def.help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}`);
        out.push(`# TYPE ${f.def.name} ${f.type}`);
        if (f.collect) {
          out.push(`${f.def.name} ${formatSampleValue(f.collect())}`);
          continue;
        }
        const rows = [...f.series.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
        for (const s of rows) {
          if (f.type !== 'histogram') {
            out.push(`${f.def.name}${labelText(s.labels)} ${formatSampleValue(s.value)}`);
            continue;
          }
          f.buckets!.forEach((le, i) => out.push(`${f.def.name}_bucket${labelText(s.labels, ['le', formatSampleValue(le)])} ${s.buckets![i]}`));
          out.push(`${f.def.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.value}`);
          out.push(`${f.def.name}_sum${labelText(s.labels)} ${formatSampleValue(s.sum!)}`);
          out.push(`${f.def.name}_count${labelText(s.labels)} ${s.value}`);
        }
      }
      return `${out.join('\n')}\n`;
    },
  };
}

/** The content type of the text exposition format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
