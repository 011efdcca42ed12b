/**
 * What the benchmarks share: the running test environment they measure in
 * (`DROVER_TEST_ENV`, else the one `npm run env:up` remembered), how they
 * summarise times (nearest-rank percentiles, seconds with two decimals), and
 * the Node settings deploy/ gives Drover's containers, which they run it with.
 *
 * @example
 *   const env = benchEnv({ clusters: 3 });
 *   process.stdout.write(`p50 ${fmt(pct(times, 50))}\n`);
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readEnv, type TestEnv } from '../fixtures/testenv/env.ts';

/**
 * The Node settings (NODE_OPTIONS, MALLOC_*) a Deployment under deploy/ gives
 * its container, e.g. `deployedNodeSettings('agent/deployment.yaml')`.
 */
export function deployedNodeSettings(deployment: string): Record<string, string> {
  const d = parse(readFileSync(join(import.meta.dirname, '..', 'deploy', deployment), 'utf8')) as {
    spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
  };
  return Object.fromEntries(
    (d.spec.template.spec.containers[0]!.env ?? [])
      .filter((e) => e.value !== undefined && /^(NODE_OPTIONS|MALLOC_)/.test(e.name))
      .map((e) => [e.name, e.value!]),
  );
}

export function benchEnv({ clusters }: { clusters: number }): TestEnv {
  const pointer = join(import.meta.dirname, '..', '.drover', 'testenv');
  const envDir =
    process.env.DROVER_TEST_ENV ?? (existsSync(pointer) ? readFileSync(pointer, 'utf8').trim() : undefined);
  if (!envDir) throw new Error('no environment: run npm run env:up, or set DROVER_TEST_ENV=<dir>');
  const env = readEnv(envDir);
  if (env.clusters.length < clusters) throw new Error(`the benchmark needs ${clusters} clusters`);
  return env;
}

/** The p-th percentile (nearest rank) of xs. */
export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

export const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
