// No false positives: right after a healthy deploy of a Deployment, a Service
// and a ConfigMap to three real clusters, the drift monitor watches them for a
// minute (the Deployment's pods come and go, its status changes, scans run
// every ten seconds) and reports nothing. Annotations and labels other field
// managers add in the meantime (kubectl annotate, kubectl label, a
// server-side apply by another manager) are theirs, not drift; so are the
// replicas the bundle's own HorizontalPodAutoscaler sets (its minimum, 2,
// above the Deployment's 1).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { listFindings } from '../state/drift.ts';
import { startDriftMonitor } from '../monitor/drift-monitor.ts';
import { checkDrift } from './drift.ts';
import { openWorkspace } from '../workspace/workspace.ts';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-drift-quiet-'));
const ns = uniqueName('quiet');
const bundle = uniqueName('web');
let ws: string;
let drop: () => Promise<void>;

beforeAll(async () => {
  drop = await createNamespace(env, ns);
  const seed = join(scratch, 'seed');
  mkdirSync(join(seed, 'web'), { recursive: true });
  const docs = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: bundle },
      spec: { roots: [{ kind: 'Deployment', namespace: ns, name: 'web' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-config', namespace: ns },
      data: { LOG_LEVEL: 'info' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'registry.invalid/web:1.0.0',
                envFrom: [{ configMapRef: { name: 'web-config' } }],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                // Written in forms the server rewrites: 0.1 CPU is stored as 100m.
                resources: { requests: { cpu: 0.1, memory: '16Mi' }, limits: { memory: '0.5Gi' } },
                securityContext: {},
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: ns },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: ns },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 4,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
        ],
      },
    },
  ];
  writeFileSync(join(seed, 'web', 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  const url = await createRepo(env.git, { name: uniqueName('quiet'), fixtureDir: seed });
  ws = mkdtempSync(join(scratch, 'ws-'));
  writeTestConfig(env, ws, {
    sources: [{ name: 'apps', url }],
    registry: `oci://${env.registry.host}/${uniqueName('quiet')}`,
    environments: [
      {
        name: 'prod',
        clusters: ['c1', 'c2', 'c3'],
        waves: [{ clusters: ['c1', 'c2', 'c3'], concurrency: 3 }],
        timeoutSeconds: 120,
      },
    ],
  });
  for (const args of [['cut'], ['deploy', `${bundle}@1.0.0`, '--env', 'prod']]) {
    const r = await execFileP(process.execPath, [cli, ...args, '--output', 'json'], { cwd: ws });
    expect(r.stdout).toBeTruthy();
  }
});
afterAll(async () => {
  await drop?.();
  for (const c of env.clusters)
    await kubectlOn(env, c, [
      'delete',
      'configmap',
      `inventory-${bundle}`,
      '-n',
      'drover-system',
      '--ignore-not-found',
    ]);
  rmSync(scratch, { recursive: true, force: true });
});

describe('no false positives', () => {
  it('reports no drift for a minute after a healthy deploy, with other managers annotating the members', async () => {
    const w = await openWorkspace({ configPath: join(ws, 'drover.yaml') });
    const reported: string[] = [];
    const monitor = await startDriftMonitor({
      ws: w,
      scanIntervalMs: 10_000,
      onFinding: (f, change) => void reported.push(`${change} ${f.cluster} ${f.ref} ${JSON.stringify(f.fields)}`),
    });
    try {
      const [c1, c2] = env.clusters as [(typeof env.clusters)[number], (typeof env.clusters)[number]];
      const k = (c: typeof c1, args: string[]) => kubectlOn(env, c, [...args, '-n', ns]);
      for (const what of ['deployment/web', 'service/web', 'configmap/web-config']) {
        await k(c1, ['annotate', what, 'team=blue']);
        await k(c1, ['label', what, 'tier=frontend']);
      }
      const other = join(scratch, 'other.yaml');
      writeFileSync(
        other,
        stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'web-config', namespace: ns, annotations: { 'other.example/owner': 'ops' } },
        }),
      );
      await execFileP(env.bin, [
        'kubectl',
        '--kubeconfig',
        c2.kubeconfig,
        'apply',
        '--server-side',
        '--field-manager=ops-tool',
        '-f',
        other,
      ]);
      await k(c2, ['rollout', 'restart', 'deployment/web']);

      await new Promise((r) => setTimeout(r, 60_000));
      expect(reported).toEqual([]);
      // The autoscaler did take the replicas over from Drover in that minute.
      for (const c of env.clusters) {
        const d = JSON.parse(await k(c, ['get', 'deployment', 'web', '-o', 'json', '--show-managed-fields'])) as {
          spec: { replicas: number };
          metadata: { managedFields: { manager: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }[] };
        };
        expect(d.spec.replicas).toBe(2);
        expect(
          d.metadata.managedFields.filter((m) => m.fieldsV1?.['f:spec']?.['f:replicas']).map((m) => m.manager),
        ).not.toContain('drover');
      }
      const stats = monitor.stats();
      // It was watching: the rollout, the annotations and every pod-status change of the Deployment went past it.
      expect(stats.map((s) => s.cluster).sort()).toEqual(['c1', 'c2', 'c3']);
      for (const s of stats) expect(s.judged).toBeGreaterThan(3);
      expect(stats.find((s) => s.cluster === 'c2')!.events).toBeGreaterThan(2);
    } finally {
      await monitor.stop();
    }
    try {
      const again = await checkDrift({ ws: w });
      expect(again.clusters.map((c) => [c.cluster, c.bundles, c.members])).toEqual([
        ['c1', 1, 4],
        ['c2', 1, 4],
        ['c3', 1, 4],
      ]);
      expect(again.findings).toEqual([]);
      expect(listFindings(w.db)).toEqual([]);
    } finally {
      w.close();
    }
  });
});
