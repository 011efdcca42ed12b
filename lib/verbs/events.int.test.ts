// The event timeline's acceptance on real clusters: a bundle with a
// Deployment is released healthy (1.0.0) to c1 and c2; on c1 a 1.0.2 whose
// Pods crash-loop (KWOK failure label) fails and is rolled back. The failed
// release's recorded explanation names KWOK's Warning BackOff on the Pod, and
// `drover events` (the real CLI) shows that Pod's failure events under 1.0.2,
// in time order across clusters, after the Pods themselves are gone; gathering
// again stores nothing twice.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import type { KubeObject } from '../object/ref.ts';
import { releaseToCluster } from '../release/release.ts';
import type { VersionContent } from '../bundle/version-content.ts';
import type { KubeEventRow } from '../state/events.ts';
import { openState, type StateDb } from '../state/open.ts';
import { releaseSteps } from '../state/releases.ts';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const [c1info, c2info] = env.clusters as [(typeof env.clusters)[number], (typeof env.clusters)[number]];
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-events-'));
const ns = uniqueName('ev');
// Inventories are cluster-wide (drover-system/inventory-<bundle>): a unique bundle name per test.
const bundle = uniqueName('web');
let ws: string;
let db: StateDb;
let c1: Cluster;
let c2: Cluster;
let drop: () => Promise<void>;

function deployment({ failing = false }: { failing?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 15,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: {
          labels: { app: 'web', ...(failing ? { 'pod-container-running-failed.stage.kwok.x-k8s.io': 'true' } : {}) },
        },
        spec: { containers: [{ name: 'web', image: `registry.invalid/web:${failing ? 2 : 1}` }] },
      },
    },
  };
}
const versions = new Map<string, VersionContent>();
function version(v: string, members: KubeObject[]): VersionContent {
  const content = { bundle, version: v, digest: `sha256:${v.replaceAll('.', '').padStart(64, '0')}`, members };
  versions.set(content.digest, content);
  return content;
}
const config = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web-config', namespace: ns },
  data: { LOG: 'info' },
};
const v1 = version('1.0.0', [config, deployment()]);
const v3 = version('1.0.2', [config, deployment({ failing: true })]);
const release = (cluster: Cluster, target: VersionContent) =>
  releaseToCluster({
    db,
    cluster,
    target,
    loadVersion: async ({ digest }) => versions.get(digest)!,
    timeoutMs: 30_000,
  });

async function drover(args: string[], { json = true } = {}) {
  try {
    const r = await execFileP(process.execPath, [cli, ...args, ...(json ? ['--output', 'json'] : [])], { cwd: ws });
    return { code: 0, stdout: r.stdout, json: json ? JSON.parse(r.stdout) : undefined };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, json: json && e.stdout ? JSON.parse(e.stdout) : { stderr: e.stderr } };
  }
}

beforeAll(async () => {
  drop = await createNamespace(env, ns, [c1info, c2info]);
  ws = mkdtempSync(join(scratch, 'ws-'));
  writeTestConfig(env, ws, {
    sources: [{ name: 'unused', url: join(scratch, 'no-repo') }],
    clusters: [c1info, c2info],
  });
  // The same state database the CLI opens: the releases below are its journal.
  db = openState({ path: join(ws, '.drover', 'state.db') });
  c1 = await connectCluster({ name: c1info.name, kubeconfig: env.kubeconfig, context: c1info.context });
  c2 = await connectCluster({ name: c2info.name, kubeconfig: env.kubeconfig, context: c2info.context });
});
afterAll(async () => {
  closeCluster(c1);
  closeCluster(c2);
  db?.close();
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

const isPodOfV3 = (e: KubeEventRow) => e.object.startsWith(`Pod/${ns}/web-`);

describe('drover events', () => {
  it("records the fatal events in a failed release's explanation, and shows them per version across clusters", async () => {
    expect((await release(c1, v1)).release.state).toBe('succeeded');
    expect((await release(c2, v1)).release.state).toBe('succeeded');
    const failed = await release(c1, v3);
    expect(failed.release.state).toBe('rolled-back');
    expect(failed.release.reason).toBe('CrashLoopBackOff');

    // The failed step says why in words and in data: KWOK's Warning BackOff on the crash-looping Pod.
    const step = releaseSteps(db, failed.release.id).find((s) => s.state === 'failed')!;
    expect(step.message).toMatch(
      new RegExp(`events: BackOff on Pod/${ns}/web-[a-z0-9]+-[a-z0-9]{5}.*: Back-off restarting failed container`),
    );
    const findings = step.data as { ref: string; events?: { reason: string; message: string; objects: string[] }[] }[];
    expect(findings.flatMap((f) => (f.events ?? []).map((e) => [e.reason, e.objects.includes(f.ref)]))).toContainEqual([
      'BackOff',
      true,
    ]);

    // The crash-looping Pods are gone (rolled back); their events are still shown, under 1.0.2.
    expect(
      await kubectlOn(env, c1info, [
        'get',
        'pods',
        '-n',
        ns,
        '-l',
        'pod-container-running-failed.stage.kwok.x-k8s.io',
        '-o',
        'name',
      ]),
    ).toBe('');
    const all = await drover(['events', bundle]);
    expect(all.code).toBe(0);
    const events = all.json.events as KubeEventRow[];
    const backOffs = events.filter((e) => e.reason === 'BackOff');
    expect(backOffs.length).toBeGreaterThan(0);
    for (const e of backOffs)
      expect(e).toMatchObject({
        cluster: 'c1',
        version: '1.0.2',
        type: 'Warning',
        member: `Deployment/${ns}/web`,
        source: 'kwok_controller',
      });
    expect(backOffs.every(isPodOfV3)).toBe(true);
    // The same Pods were scheduled (events.k8s.io writer) under 1.0.2 too, and the Deployment scaled its new ReplicaSet.
    const v3Pods = new Set(backOffs.map((e) => e.object));
    expect(events.filter((e) => e.reason === 'Scheduled' && v3Pods.has(e.object)).map((e) => e.version)).toEqual(
      backOffs.map(() => '1.0.2'),
    );
    expect(
      events.some(
        (e) => e.reason === 'ScalingReplicaSet' && e.version === '1.0.2' && e.object === `Deployment/${ns}/web`,
      ),
    ).toBe(true);
    // 1.0.0's rollout on both clusters is there under 1.0.0, and the whole timeline is in time order.
    expect(
      new Set(events.filter((e) => e.version === '1.0.0' && e.reason === 'Scheduled').map((e) => e.cluster)),
    ).toEqual(new Set(['c1', 'c2']));
    const seconds = events.map((e) => Math.floor(Date.parse(e.firstAt) / 1000));
    expect(seconds).toEqual([...seconds].sort((a, b) => a - b));
    // Within one second a cluster's events are in the order its apiserver stored them (their clocks say no more:
    // KWOK's BackOff may be stored before the scheduler's Scheduled of the same Pod).
    for (let i = 1; i < events.length; i++) {
      const [a, b] = [events[i - 1]!, events[i]!];
      if (a.cluster === b.cluster && seconds[i - 1] === seconds[i])
        expect(BigInt(a.resourceVersion)).toBeLessThan(BigInt(b.resourceVersion));
    }

    // --version keeps only the failed release's events; gathering again adds nothing.
    const v3only = await drover(['events', bundle, '--version', '1.0.2']);
    expect(v3only.code).toBe(0);
    const v3events = v3only.json.events as KubeEventRow[];
    expect(v3events.length).toBeGreaterThan(0);
    expect(new Set(v3events.map((e) => `${e.cluster}@${e.version}`))).toEqual(new Set(['c1@1.0.2']));
    expect(
      v3events
        .filter((e) => e.reason === 'BackOff')
        .map((e) => e.uid)
        .sort(),
    ).toEqual(backOffs.map((e) => e.uid).sort());
    expect(v3only.json.gathered.reduce((n: number, g: { added: number }) => n + g.added, 0)).toBe(0);

    // --cluster c2: c2 never ran 1.0.2.
    const c2only = await drover(['events', bundle, '--cluster', 'c2']);
    expect(new Set((c2only.json.events as KubeEventRow[]).map((e) => `${e.cluster}@${e.version}`))).toEqual(
      new Set(['c2@1.0.0']),
    );

    // For people: a table with the BackOff row under 1.0.2.
    const human = await drover(['events', bundle, '--version', '1.0.2'], { json: false });
    expect(human.code).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+CLUSTER\s+VERSION\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(
      lines.some((l) =>
        /^\S+Z\s+c1\s+1\.0\.2\s+Warning\s+BackOff\s+Pod\/\S+\s+Back-off restarting failed container/.test(l),
      ),
    ).toBe(true);
  });

  it('names an unknown bundle as not found', async () => {
    const r = await drover(['events', uniqueName('nosuch')]);
    expect(r.code).toBe(4);
    expect(r.json.error.message).toMatch(/no bundle named/);
  });
});
