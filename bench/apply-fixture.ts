/**
 * What the release-engine benchmarks share (bench/apply-1000.ts,
 * bench/fanout-3v1.ts, bench/restore-100.ts): the environment (the one named
 * by DROVER_TEST_ENV, else a fresh one started here and stopped at the end),
 * a generated bundle of many kinds written one file per object, namespaces
 * made and dropped with kubectl, and request counting through the cluster
 * client's stats. Not a benchmark itself.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { readEnv, startEnv, stopEnv, type TestEnv } from '../fixtures/testenv/env.ts';
import type { ClusterInfo } from '../fixtures/testenv/kube.ts';
import type { ClientStats } from '../lib/cluster/client.ts';
import type { KubeObject } from '../lib/object/ref.ts';
import type { VersionContent } from '../lib/bundle/version-content.ts';

const execFileP = promisify(execFile);

/** The shared environment when DROVER_TEST_ENV names one, else a fresh one with `clusters` clusters. */
export async function benchEnv({ clusters = 3 }: { clusters?: number } = {}): Promise<{
  env: TestEnv;
  stop: () => Promise<void>;
}> {
  const shared = process.env.DROVER_TEST_ENV;
  if (shared) return { env: readEnv(shared), stop: async () => {} };
  process.stderr.write(
    `starting a test environment with ${clusters} cluster(s) (set DROVER_TEST_ENV to reuse one)...\n`,
  );
  const env = await startEnv({ clusters });
  return { env, stop: () => stopEnv(env) };
}

export function kubectl(
  env: TestEnv,
  cluster: ClusterInfo,
  args: string[],
): Promise<{ stdout: string; stderr: string }> {
  return execFileP(env.bin, ['kubectl', `--kubeconfig=${cluster.kubeconfig}`, ...args], { maxBuffer: 256 << 20 });
}

export async function createNamespaces(env: TestEnv, clusters: ClusterInfo[], name: string): Promise<void> {
  await Promise.all(clusters.map((c) => kubectl(env, c, ['create', 'namespace', name])));
}

/**
 * Deletes the namespaces; with `wait`, until they are gone, so the namespace
 * controller's cleanup does not compete with the next measurement. Not timed.
 */
export async function dropNamespaces(
  env: TestEnv,
  clusters: ClusterInfo[],
  name: string,
  { wait = false } = {},
): Promise<void> {
  await Promise.all(
    clusters.map((c) =>
      kubectl(env, c, ['delete', 'namespace', name, `--wait=${wait}`, '--ignore-not-found', '--timeout=600s']),
    ),
  );
}

/**
 * A mix of kinds in the proportions of a real application namespace: of each
 * 20 objects 7 ConfigMaps, 5 Secrets, 3 ServiceAccounts, 3 Services and 2
 * Deployments (one replica, KWOK makes the Pod Ready). `failing` labels every
 * pod template with KWOK's chaos label (CrashLoopBackOff); `revision` changes
 * every ConfigMap and pod template so a new version updates them.
 */
export function generateObjects({
  namespace,
  count,
  revision = 1,
  failing = false,
}: {
  namespace: string;
  count: number;
  revision?: number;
  failing?: boolean;
}): KubeObject[] {
  const out: KubeObject[] = [];
  const meta = (name: string) => ({ name, namespace, labels: { app: name } });
  for (let i = 0; out.length < count; i++) {
    const slot = i % 20;
    const name = `o-${String(i).padStart(4, '0')}`;
    if (slot < 7)
      out.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: meta(name),
        data: { index: String(i), revision: String(revision), payload: 'x'.repeat(256) },
      });
    else if (slot < 12)
      out.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: meta(name),
        type: 'Opaque',
        stringData: { token: `t-${i}` },
      });
    else if (slot < 15) out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name) });
    else if (slot < 18)
      out.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta(name),
        spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
      });
    else {
      const labels: Record<string, string> = { app: name };
      if (failing) labels['pod-container-running-failed.stage.kwok.x-k8s.io'] = 'true';
      out.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(name),
        spec: {
          replicas: 1,
          progressDeadlineSeconds: 30,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels, annotations: { 'bench.drover.dev/revision': String(revision) } },
            spec: {
              containers: [
                { name: 'app', image: `registry.invalid/app:${revision}`, ports: [{ containerPort: 8080 }] },
              ],
            },
          },
        },
      });
    }
  }
  return out;
}

/** One YAML file per object, as a repository would hold them. */
export function writeObjects(dir: string, objects: KubeObject[]): void {
  mkdirSync(dir, { recursive: true });
  for (const o of objects) writeFileSync(join(dir, `${o.kind.toLowerCase()}-${o.metadata.name}.yaml`), stringify(o));
}

export function readObjects(dir: string): KubeObject[] {
  return readdirSync(dir)
    .sort()
    .map((f) => parse(readFileSync(join(dir, f), 'utf8')) as KubeObject);
}

/** The same objects in another namespace. */
export function inNamespace(objects: KubeObject[], namespace: string): KubeObject[] {
  return objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
}

export function versionOf(bundle: string, version: string, members: KubeObject[]): VersionContent {
  return {
    bundle,
    version,
    digest: `sha256:${Buffer.from(`${bundle}@${version}`).toString('hex').padEnd(64, '0').slice(0, 64)}`,
    members,
  };
}

/** Requests made between two snapshots of a client's stats. */
export function statsDelta(
  before: ClientStats,
  after: ClientStats,
): { requests: number; writes: number; dryRuns: number; byMethod: Record<string, number> } {
  const byMethod: Record<string, number> = {};
  for (const [m, n] of Object.entries(after.byMethod))
    if (n - (before.byMethod[m] ?? 0) > 0) byMethod[m] = n - (before.byMethod[m] ?? 0);
  return {
    requests: after.requests - before.requests,
    writes: after.writes - before.writes,
    dryRuns: after.dryRuns - before.dryRuns,
    byMethod,
  };
}

export const snapshot = (s: ClientStats): ClientStats => ({ ...s, byMethod: { ...s.byMethod } });

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Counts the requests kubectl logged at -v=6 (`"Response" verb="PATCH" url=...` or `PATCH https://... 200 OK`), by method. */
export function kubectlRequests(log: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of log.split('\n')) {
    const m = /verb="(\w+)"/.exec(line) ?? /\] (GET|PATCH|POST|PUT|DELETE) https?:\/\//.exec(line);
    if (m && /Response|https?:\/\/.* \d{3} /.test(line)) out[m[1]!] = (out[m[1]!] ?? 0) + 1;
  }
  return out;
}

/**
 * CPU time (ms) used so far by every process of the environment's control
 * plane (etcd, each cluster's apiserver, controller-manager, scheduler, kwok),
 * read from /proc. The difference across an arm, against its wall time and
 * the machine's cores, says whether the servers were the bound.
 */
export function controlPlaneCpuMs(env: TestEnv): number {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] !== env.bin) continue;
      // Fields after the parenthesized command: state is field 3, utime 14, stime 15.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) * tick;
    } catch {
      // The process ended between readdir and read.
    }
  }
  return total;
}

/** `cpuMs` of the control plane over `wallMs` as a share of all the machine's cores, e.g. "87% of 2 cores". */
export const shareOfCores = (cpuMs: number, wallMs: number) =>
  `${((100 * cpuMs) / wallMs / availableParallelism()).toFixed(0)}% of ${availableParallelism()} cores`;

/**
 * Samples `controlPlaneCpuMs` every `everyMs` so the control plane's CPU can
 * be read between any two wall-clock times afterwards (e.g. the steps of a
 * release journal). `between` takes epoch ms and uses the nearest samples.
 */
export function sampleControlPlaneCpu(
  env: TestEnv,
  everyMs = 100,
): { between: (fromMs: number, toMs: number) => number; stop: () => void } {
  const samples: [number, number][] = [[Date.now(), controlPlaneCpuMs(env)]];
  const timer = setInterval(() => samples.push([Date.now(), controlPlaneCpuMs(env)]), everyMs);
  const at = (t: number) => (samples.findLast(([s]) => s <= t) ?? samples[0]!)[1];
  return {
    between: (fromMs, toMs) => {
      samples.push([Date.now(), controlPlaneCpuMs(env)]);
      return at(toMs) - at(fromMs);
    },
    stop: () => clearInterval(timer),
  };
}
