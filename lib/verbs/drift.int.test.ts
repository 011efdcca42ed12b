// Drift acceptance on three real clusters. A bundle (ConfigMap, Secret,
// Deployment, Service) is cut from Git and deployed everywhere. On c2,
// `kubectl scale`, `kubectl edit` of the ConfigMap data, a `kubectl patch` of
// the Secret and deleting the Service are each flagged by the watch (not a
// scan: the scan interval is an hour) with exactly those fields, the Secret's
// values masked; `drover drift --exit-code` exits 9 and lists them;
// `drover drift --heal` restores all of them and resolves the findings as
// healed, journaled as a release. With `selfHeal: heal` the monitor heals by
// itself; a heal never runs while a release holds the bundle.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { type FindingRecord, listFindings, listHeals, openFindings } from '../state/drift.ts';
import { acquireLease, releaseLease } from '../state/leases.ts';
import { listReleases, releaseSteps } from '../state/releases.ts';
import { startDriftMonitor } from '../monitor/drift-monitor.ts';
import { checkDrift } from './drift.ts';
import { openWorkspace } from '../workspace/workspace.ts';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const [c1, c2, c3] = env.clusters as [
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
];
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-drift-'));
const ns = uniqueName('drift');
const bundle = uniqueName('web');
const canary = `canary-${uniqueName('tok')}`;
const prefix = uniqueName('drift');
const b64 = (s: string) => Buffer.from(s).toString('base64');
let ws: string;
let drop: () => Promise<void>;

function writeConfig(bundles: Record<string, { selfHeal: string }> = {}) {
  writeTestConfig(env, ws, {
    sources: [{ name: 'apps', url: repoUrl }],
    registry: `oci://${env.registry.host}/${prefix}`,
    environments: [
      {
        name: 'prod',
        clusters: ['c1', 'c2', 'c3'],
        waves: [{ clusters: ['c1', 'c2', 'c3'], concurrency: 3 }],
        timeoutSeconds: 120,
      },
    ],
    drift: { scanIntervalSeconds: 3600 },
    bundles,
  });
}
let repoUrl: string;

beforeAll(async () => {
  drop = await createNamespace(env, ns);
  const seed = join(scratch, 'seed');
  mkdirSync(join(seed, 'web'), { recursive: true });
  const docs = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: bundle },
      spec: { allowPlaintextSecrets: true, roots: [{ kind: 'Deployment', namespace: ns, name: 'web' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-config', namespace: ns },
      data: { LOG_LEVEL: 'info', MODE: 'prod' },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'web-secret', namespace: ns },
      type: 'Opaque',
      stringData: { TOKEN: canary },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'registry.invalid/web:1.0.0',
                envFrom: [{ configMapRef: { name: 'web-config' } }, { secretRef: { name: 'web-secret' } }],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                resources: { requests: { cpu: 0.01, memory: '16Mi' } },
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
  ];
  writeFileSync(join(seed, 'web', 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  repoUrl = await createRepo(env.git, { name: uniqueName('drift'), fixtureDir: seed });
  ws = mkdtempSync(join(scratch, 'ws-'));
  writeConfig();
  expect((await drover(['cut'])).code).toBe(0);
  const d = await drover(['deploy', `${bundle}@1.0.0`, '--env', 'prod']);
  expect(d.code, JSON.stringify(d.json)).toBe(0);
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

async function drover(args: string[]) {
  try {
    const r = await execFileP(process.execPath, [cli, ...args, '--output', 'json'], { cwd: ws });
    return { code: 0, stdout: r.stdout, json: JSON.parse(r.stdout) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, json: e.stdout ? JSON.parse(e.stdout) : { stderr: e.stderr } };
  }
}

const k = (c: typeof c1, args: string[]) => kubectlOn(env, c, [...args, '-n', ns]);
const jp = async (c: typeof c1, what: string, path: string) =>
  (await k(c, ['get', what, '-o', `jsonpath=${path}`])).trim();

async function until<T>(f: () => T | undefined | false, what: string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** kubectl edit, scripted: EDITOR is a script that rewrites the file kubectl opens. */
async function kubectlEdit(c: typeof c1, what: string, from: string, to: string) {
  const editor = join(scratch, `edit-${uniqueName('e')}.sh`);
  writeFileSync(editor, `#!/bin/sh\nsed -i 's/${from}/${to}/' "$1"\n`, { mode: 0o755 });
  await execFileP(env.bin, ['kubectl', '--kubeconfig', c.kubeconfig, 'edit', what, '-n', ns], {
    env: { ...process.env, EDITOR: editor },
  });
}

const summary = (f: FindingRecord) => ({
  cluster: f.cluster,
  ref: f.ref,
  kind: f.kind,
  fields: f.fields,
  detectedBy: f.detectedBy,
  version: f.version,
  bundle: f.bundle,
});

describe('drift on three clusters', () => {
  it('flags scale, edit, patch and delete on c2 by watch with exactly those fields; drover drift lists them (exit 9) and --heal restores them all', async () => {
    const w = await openWorkspace({ configPath: join(ws, 'drover.yaml') });
    const opened: FindingRecord[] = [];
    const monitor = await startDriftMonitor({
      ws: w,
      onFinding: (f, change) => void (change === 'opened' && opened.push(f)),
    });
    try {
      expect(openFindings(w.db)).toEqual([]);
      await k(c2, ['scale', 'deployment', 'web', '--replicas=5']);
      await kubectlEdit(c2, 'configmap/web-config', 'LOG_LEVEL: info', 'LOG_LEVEL: debug');
      await k(c2, [
        'patch',
        'secret',
        'web-secret',
        '--type=merge',
        '-p',
        JSON.stringify({ data: { TOKEN: b64('changed-out-of-band') } }),
      ]);
      await k(c2, ['delete', 'service', 'web']);
      await until(() => opened.length >= 4, 'four findings');
    } finally {
      await monitor.stop();
    }
    const base = { cluster: 'c2', bundle, version: '1.0.0', detectedBy: 'watch' };
    const byRef = (ref: string) => opened.find((f) => f.ref === ref);
    expect(summary(byRef(`Deployment/${ns}/web`)!)).toEqual({
      ...base,
      ref: `Deployment/${ns}/web`,
      kind: 'changed',
      fields: [{ path: 'spec.replicas', desired: 2, live: 5, managers: [expect.any(String)] }],
    });
    expect(byRef(`Deployment/${ns}/web`)!.fields[0]!.managers).not.toContain('drover');
    expect(summary(byRef(`ConfigMap/${ns}/web-config`)!)).toEqual({
      ...base,
      ref: `ConfigMap/${ns}/web-config`,
      kind: 'changed',
      fields: [{ path: 'data.LOG_LEVEL', desired: 'info', live: 'debug', managers: ['kubectl-edit'] }],
    });
    expect(summary(byRef(`Secret/${ns}/web-secret`)!)).toEqual({
      ...base,
      ref: `Secret/${ns}/web-secret`,
      kind: 'changed',
      fields: [{ path: 'data.TOKEN', desired: '***', live: '***', managers: ['kubectl-patch'] }],
    });
    expect(summary(byRef(`Service/${ns}/web`)!)).toEqual({
      ...base,
      ref: `Service/${ns}/web`,
      kind: 'missing',
      fields: [],
    });
    expect(opened).toHaveLength(4);
    w.close();

    // The CLI checks again (one LIST per type): the same four, still open since first seen by the watch.
    const check = await drover(['drift', '--exit-code']);
    expect(check.code).toBe(9);
    expect(
      check.json.findings
        .map((f: FindingRecord) => [f.cluster, f.ref, f.kind, f.detectedBy, f.fields.map((x) => x.path)])
        .sort(),
    ).toEqual(
      [
        ['c2', `ConfigMap/${ns}/web-config`, 'changed', 'watch', ['data.LOG_LEVEL']],
        ['c2', `Deployment/${ns}/web`, 'changed', 'watch', ['spec.replicas']],
        ['c2', `Secret/${ns}/web-secret`, 'changed', 'watch', ['data.TOKEN']],
        ['c2', `Service/${ns}/web`, 'missing', 'watch', []],
      ].sort(),
    );
    expect(check.stdout).not.toContain(canary);
    expect(check.stdout).not.toContain(b64(canary));

    const healed = await drover(['drift', '--heal', '--exit-code']);
    expect(healed.code, JSON.stringify(healed.json)).toBe(0);
    expect(healed.json.findings).toEqual([]);
    expect(healed.json.heals.map((h: { cluster: string; outcome: string }) => [h.cluster, h.outcome])).toEqual([
      ['c2', 'healed'],
    ]);
    expect(await jp(c2, 'deployment/web', '{.spec.replicas}')).toBe('2');
    expect(await jp(c2, 'configmap/web-config', '{.data.LOG_LEVEL}')).toBe('info');
    expect(await jp(c2, 'secret/web-secret', '{.data.TOKEN}')).toBe(b64(canary));
    expect(await jp(c2, 'service/web', '{.metadata.name}')).toBe('web');

    const after = await openWorkspace({ configPath: join(ws, 'drover.yaml') });
    try {
      const resolved = listFindings(after.db, { bundle });
      expect(resolved.map((f) => [f.ref, f.resolution, f.healId]).sort()).toEqual(
        [`ConfigMap/${ns}/web-config`, `Deployment/${ns}/web`, `Secret/${ns}/web-secret`, `Service/${ns}/web`]
          .map((r) => [r, 'healed', healed.json.heals[0].id])
          .sort(),
      );
      // The heal is a release of the same version in the journal.
      const rel = listReleases(after.db, { bundle, cluster: 'c2', limit: 1 })[0]!;
      expect([rel.id, rel.version, rel.fromVersion, rel.state]).toEqual([
        healed.json.heals[0].releaseId,
        '1.0.0',
        '1.0.0',
        'succeeded',
      ]);
      expect(releaseSteps(after.db, rel.id)[0]!.message).toMatch(new RegExp(`: heal: drift on .*Deployment/${ns}/web`));
    } finally {
      after.close();
    }
    const state = join(ws, '.drover', 'state.db');
    for (const f of [state, `${state}-wal`])
      if (existsSync(f)) expect(readFileSync(f).includes(canary) || readFileSync(f).includes(b64(canary))).toBe(false);
  });

  it('with selfHeal: heal the monitor heals by itself and resolves the finding as healed', async () => {
    writeConfig({ [bundle]: { selfHeal: 'heal' } });
    const w = await openWorkspace({ configPath: join(ws, 'drover.yaml') });
    const resolved: FindingRecord[] = [];
    const problems: string[] = [];
    const monitor = await startDriftMonitor({
      ws: w,
      onFinding: (f, change) => void (change === 'resolved' && resolved.push(f)),
      onEvent: (e) => void ((e.level === 'error' || e.level === 'warn') && problems.push(`${e.subject}: ${e.message}`)),
    });
    try {
      await k(c3, ['scale', 'deployment', 'web', '--replicas=4']);
      const f = await until(() => resolved.find((x) => x.cluster === 'c3'), 'the heal', 120_000).catch((err: Error) => {
        throw new Error(`${err.message}; monitor problems: ${problems.join(' | ') || 'none'}`);
      });
      expect([f.ref, f.resolution, f.fields.map((x) => x.path)]).toEqual([
        `Deployment/${ns}/web`,
        'healed',
        ['spec.replicas'],
      ]);
      expect(listHeals(w.db, { bundle, cluster: 'c3' })[0]).toMatchObject({
        outcome: 'healed',
        refs: [`Deployment/${ns}/web`],
      });
      expect(await jp(c3, 'deployment/web', '{.spec.replicas}')).toBe('2');
    } finally {
      await monitor.stop();
      w.close();
    }
  });

  it('never heals while a release holds the bundle on that cluster', async () => {
    const w = await openWorkspace({ configPath: join(ws, 'drover.yaml') });
    try {
      await k(c1, ['scale', 'deployment', 'web', '--replicas=3']);
      const lease = acquireLease(w.db, { bundle, cluster: 'c1', holder: 'elsewhere/1', ttlMs: 60_000 });
      const blocked = await checkDrift({ ws: w, heal: true });
      expect(blocked.heals.map((h) => [h.cluster, h.outcome, h.reason])).toEqual([
        ['c1', 'skipped', expect.stringContaining('elsewhere/1')],
      ]);
      expect(blocked.findings.map((f) => [f.cluster, f.ref])).toEqual([['c1', `Deployment/${ns}/web`]]);
      expect(await jp(c1, 'deployment/web', '{.spec.replicas}')).toBe('3');
      releaseLease(w.db, lease);
      const done = await checkDrift({ ws: w, heal: true });
      expect(done.heals.map((h) => [h.cluster, h.outcome])).toEqual([['c1', 'healed']]);
      expect(done.findings).toEqual([]);
      expect(await jp(c1, 'deployment/web', '{.spec.replicas}')).toBe('2');
    } finally {
      w.close();
    }
  });
});
