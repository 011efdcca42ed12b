// The release engine's acceptance, through the real CLI on three real
// clusters (canary c1, then c2 and c3): v1 deploys healthy everywhere; v2
// adds a ConfigMap and changes the Deployment, healthy everywhere; v3 makes
// the Deployment crash-loop (KWOK failure label), adds a ConfigMap and drops
// the Service. The canary fails and returns to v2 whole, c2 and c3 never see
// v3, the exit code is 7, and `status` names the failed object and why. A
// foreign ConfigMap in the same namespace is untouched throughout.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const [c1, c2, c3] = env.clusters as [
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
];
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-release-cli-'));
const ns = uniqueName('rel');
const prefix = uniqueName('rel');
// Bundle names are cluster-wide (the inventory is drover-system/inventory-<bundle>), so tests sharing clusters use unique ones.
const bundle = uniqueName('web');
const FAIL_LABEL = 'pod-container-running-failed.stage.kwok.x-k8s.io';
let work: string;
let ws: string;
let drop: () => Promise<void>;

interface WebSpec {
  image: string;
  extraConfig?: string[];
  failing?: boolean;
  service?: boolean;
}

function writeWeb(dir: string, { image, extraConfig = [], failing = false, service = true }: WebSpec): void {
  mkdirSync(join(dir, 'web'), { recursive: true });
  const configs = ['web-config', ...extraConfig];
  const docs = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: bundle },
      spec: { roots: [{ kind: 'Deployment', namespace: ns, name: 'web' }] },
    },
    ...configs.map((name) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns },
      data: { NAME: name },
    })),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 2,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web', ...(failing ? { [FAIL_LABEL]: 'true' } : {}) } },
          spec: {
            containers: [
              {
                name: 'web',
                image,
                envFrom: configs.map((name) => ({ configMapRef: { name } })),
                readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                resources: { requests: { cpu: '10m', memory: '16Mi' } },
              },
            ],
          },
        },
      },
    },
    ...(service
      ? [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'web', namespace: ns },
            spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
          },
        ]
      : []),
  ];
  writeFileSync(join(dir, 'web', 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
}

async function push(message: string, spec: WebSpec): Promise<void> {
  rmSync(join(work, 'web'), { recursive: true, force: true });
  writeWeb(work, spec);
  await git(work, ['add', '-A']);
  await git(work, ['commit', '--quiet', '-m', message]);
  await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
}

async function drover(args: string[], { json = true } = {}) {
  try {
    const r = await execFileP(process.execPath, [cli, ...args, ...(json ? ['--output', 'json'] : [])], { cwd: ws });
    return { code: 0, stdout: r.stdout, json: json ? JSON.parse(r.stdout) : undefined };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, json: json && e.stdout ? JSON.parse(e.stdout) : { stderr: e.stderr } };
  }
}

const k = (c: typeof c1, args: string[]) => kubectlOn(env, c, [...args, '-n', ns]);
const names = async (c: typeof c1, kind: string) =>
  (await k(c, ['get', kind, '-o', 'jsonpath={.items[*].metadata.name}'])).trim().split(/\s+/).filter(Boolean).sort();
const image = async (c: typeof c1) =>
  (await k(c, ['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).trim();
const templateLabels = async (c: typeof c1) =>
  JSON.parse(
    (await k(c, ['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.metadata.labels}'])) || '{}',
  ) as Record<string, string>;
const available = async (c: typeof c1) =>
  (await k(c, ['get', 'deployment', 'web', '-o', 'jsonpath={.status.availableReplicas}'])).trim();
const foreignVersion = async (c: typeof c1) =>
  (await k(c, ['get', 'configmap', 'foreign', '-o', 'jsonpath={.metadata.resourceVersion}/{.data.owner}'])).trim();

beforeAll(async () => {
  drop = await createNamespace(env, ns);
  const seed = join(scratch, 'seed');
  writeWeb(seed, { image: 'registry.invalid/web:1.0.0' });
  const url = await createRepo(env.git, { name: uniqueName('rel'), fixtureDir: seed });
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  ws = mkdtempSync(join(scratch, 'ws-'));
  writeTestConfig(env, ws, {
    sources: [{ name: 'apps', url }],
    registry: `oci://${env.registry.host}/${prefix}`,
    environments: [
      {
        name: 'prod',
        clusters: ['c1', 'c2', 'c3'],
        waves: [{ clusters: ['c1'] }, { clusters: ['c2', 'c3'], concurrency: 2 }],
        timeoutSeconds: 120,
      },
    ],
  });
  for (const c of env.clusters) await k(c, ['create', 'configmap', 'foreign', '--from-literal=owner=someone-else']);
});
afterAll(async () => {
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('whole-bundle release and rollback across three clusters, through the CLI', () => {
  it('v1 and v2 are healthy everywhere; a failing v3 is rolled back whole on the canary and never reaches the others', async () => {
    const foreign = await Promise.all(env.clusters.map(foreignVersion));

    // v1: ConfigMap + Deployment + Service.
    const cut1 = await drover(['cut']);
    expect(cut1.code).toBe(0);
    expect(cut1.json.cut.map((c: { bundle: string; version: string }) => `${c.bundle}@${c.version}`)).toEqual([
      `${bundle}@1.0.0`,
    ]);
    const d1 = await drover(['deploy', `${bundle}@1.0.0`, '--env', 'prod']);
    expect(d1.code, JSON.stringify(d1.json)).toBe(0);
    expect(d1.json.clusters.map((c: { cluster: string; state: string }) => [c.cluster, c.state])).toEqual([
      ['c1', 'succeeded'],
      ['c2', 'succeeded'],
      ['c3', 'succeeded'],
    ]);
    for (const c of env.clusters) {
      expect(await available(c)).toBe('2');
      expect(await names(c, 'service')).toEqual(['web']);
    }

    // v2: adds a ConfigMap, changes the Deployment.
    await push('feat: web reads its feature flags', {
      image: 'registry.invalid/web:1.1.0',
      extraConfig: ['web-flags'],
    });
    const cut2 = await drover(['cut']);
    expect(cut2.json.cut.map((c: { bundle: string; version: string }) => `${c.bundle}@${c.version}`)).toEqual([
      `${bundle}@1.1.0`,
    ]);
    const d2 = await drover(['deploy', `${bundle}@1.1.0`, '--env', 'prod']);
    expect(d2.code).toBe(0);
    expect(d2.json.clusters.every((c: { state: string }) => c.state === 'succeeded')).toBe(true);
    for (const c of env.clusters) {
      expect(await image(c)).toBe('registry.invalid/web:1.1.0');
      expect(await available(c)).toBe('2');
      expect((await names(c, 'configmap')).filter((n) => n.startsWith('web-'))).toEqual(['web-config', 'web-flags']);
    }
    const v2Generation = await Promise.all(
      [c2, c3].map(async (c) =>
        (await k(c, ['get', 'deployment', 'web', '-o', 'jsonpath={.metadata.generation}'])).trim(),
      ),
    );

    // v3: crash-looping pods, one more ConfigMap, no Service.
    await push('fix: web v3', {
      image: 'registry.invalid/web:1.1.1',
      extraConfig: ['web-flags', 'web-v3-only'],
      failing: true,
      service: false,
    });
    const cut3 = await drover(['cut']);
    expect(cut3.json.cut.map((c: { bundle: string; version: string }) => `${c.bundle}@${c.version}`)).toEqual([
      `${bundle}@1.1.1`,
    ]);
    const d3 = await drover(['deploy', `${bundle}@1.1.1`, '--env', 'prod']);
    expect(d3.code).toBe(7);
    const byCluster = Object.fromEntries(d3.json.clusters.map((c: { cluster: string }) => [c.cluster, c]));
    expect(byCluster.c1).toMatchObject({ state: 'rolled-back', failedObject: `Deployment/${ns}/web` });
    expect(byCluster.c1.reason).toMatch(/CrashLoopBackOff|ProgressDeadlineExceeded/);
    expect(byCluster.c2.state).toBe('not-started');
    expect(byCluster.c3.state).toBe('not-started');

    // The canary is back on v2 whole: Service recreated, v3-only ConfigMap gone, Deployment spec back.
    expect(await names(c1, 'service')).toEqual(['web']);
    expect((await names(c1, 'configmap')).filter((n) => n.startsWith('web-'))).toEqual(['web-config', 'web-flags']);
    expect(await image(c1)).toBe('registry.invalid/web:1.1.0');
    expect(await templateLabels(c1)).toEqual({ app: 'web' });
    // The others never received v3: nothing of it, and the Deployment was never written.
    for (const [i, c] of [c2, c3].entries()) {
      expect(await names(c, 'service')).toEqual(['web']);
      expect((await names(c, 'configmap')).filter((n) => n.startsWith('web-'))).toEqual(['web-config', 'web-flags']);
      expect(await image(c)).toBe('registry.invalid/web:1.1.0');
      expect((await k(c, ['get', 'deployment', 'web', '-o', 'jsonpath={.metadata.generation}'])).trim()).toBe(
        v2Generation[i],
      );
    }

    // The human output and status say which object failed and why.
    const human = await drover(['status'], { json: false });
    expect(human.code).toBe(0);
    const c1Line = human.stdout.split('\n').find((l) => l.startsWith(`${bundle}  `) && /\sc1\s/.test(l));
    expect(c1Line).toMatch(
      new RegExp(
        `1\\.1\\.0\\s+prod=1\\.1\\.0\\s+yes\\s+Current\\s+0\\s+\\d+ created\\s+1\\.1\\.1\\s+rolled-back\\s+Deployment/${ns}/web\\s+.*(CrashLoopBackOff|ProgressDeadlineExceeded)`,
      ),
    );
    const status = await drover(['status']);
    const rows = Object.fromEntries(
      status.json
        .filter((r: { bundle: string }) => r.bundle === bundle)
        .map((r: { cluster: string }) => [r.cluster, r]),
    );
    expect(rows.c1).toMatchObject({
      running: '1.1.0',
      health: 'Current',
      pending: null,
      drift: 0,
      last: { version: '1.1.1', state: 'rolled-back', failedObject: `Deployment/${ns}/web` },
    });
    // Each object by how the bundle holds it: all created by Drover here.
    expect(rows.c1.members.map((m: { origin: string }) => m.origin)).toEqual(rows.c1.members.map(() => 'created'));
    expect(rows.c1.members.map((m: { ref: string }) => m.ref)).toContain(`Deployment/${ns}/web`);
    expect(rows.c2).toMatchObject({
      running: '1.1.0',
      health: 'Current',
      last: { version: '1.1.0', state: 'succeeded' },
    });
    expect(rows.c3).toMatchObject({
      running: '1.1.0',
      health: 'Current',
      last: { version: '1.1.0', state: 'succeeded' },
    });
    // The failed deploy put prod's tag back: every cluster runs what it names.
    for (const c of ['c1', 'c2', 'c3'])
      expect(rows[c]).toMatchObject({
        environment: 'prod',
        tag: { name: 'prod', version: '1.1.0' },
        sync: 'in-sync',
        syncReason: null,
      });

    // Nobody touched the foreign ConfigMap.
    expect(await Promise.all(env.clusters.map(foreignVersion))).toEqual(foreign);
    expect(foreign.every((f) => f.endsWith('/someone-else'))).toBe(true);
  }, 400_000);
});
