// The drift task `drover serve` starts beside its loop, on a real cluster: a
// deployed bundle with no changes reports 0 findings; `kubectl scale` is
// logged as drift naming the field and counted for /metrics; with the bundle's
// policy set to heal, the monitor puts it back and logs the heal.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { cutVersions } from '../verbs/cut.ts';
import { deployVersion } from '../verbs/deploy.ts';
import { openWorkspace, type Workspace } from '../workspace/workspace.ts';
import { driftTask, type RunningTask } from './background.ts';
import { createLogger } from './log.ts';
import { createServeMetrics } from './serve-metrics.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
const scratch = mkdtempSync(join(tmpdir(), 'drover-bg-'));
const ns = uniqueName('bg');
const bundle = uniqueName('bg');
let ws: Workspace;
let drop: () => Promise<void>;

beforeAll(async () => {
  drop = await createNamespace(env, ns, [c1]);
  const repo = join(scratch, 'repo');
  mkdirSync(repo);
  writeFileSync(
    join(repo, 'app.yaml'),
    [
      {
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Bundle',
        metadata: { name: bundle },
        spec: { namespace: ns, roots: [{ kind: 'Deployment', name: 'app' }] },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'app', namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'app' } },
          template: {
            metadata: { labels: { app: 'app' } },
            spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] },
          },
        },
      },
    ]
      .map((d) => stringify(d))
      .join('---\n'),
  );
  const url = await createRepo(env.git, { name: uniqueName('bg'), fixtureDir: repo });
  writeFileSync(
    join(scratch, 'drover.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      sources: [{ name: 'apps', url }],
      registry: `oci://${env.registry.host}/${uniqueName('bg')}`,
      kubeconfig: env.kubeconfig,
      clusters: [{ name: 'c1' }],
      environments: [{ name: 'dev', clusters: ['c1'], timeoutSeconds: 90 }],
      bundles: { [bundle]: { selfHeal: 'heal' } },
    }),
  );
  ws = await openWorkspace({ configPath: join(scratch, 'drover.yaml') });
  await cutVersions({ ws });
  expect((await deployVersion({ ws, bundle, version: '1.0.0', environment: 'dev' })).ok).toBe(true);
});
afterAll(async () => {
  ws?.close();
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the drift background task', () => {
  it('logs drift and heals by policy, and reports open findings per bundle', async () => {
    const lines: Record<string, unknown>[] = [];
    const counts: Record<string, number>[] = [];
    const ac = new AbortController();
    let task: RunningTask | undefined;
    try {
      task = await driftTask.start({
        ws,
        log: createLogger({ write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>), level: 'debug' }),
        metrics: createServeMetrics(),
        reportDriftFindings: (c) => counts.push({ ...c }),
        wakeBundle: () => {},
        signal: ac.signal,
      });
      expect(counts.at(-1)?.[bundle] ?? 0).toBe(0);

      await kubectlOn(env, c1, ['scale', 'deployment', 'app', '-n', ns, '--replicas=3']);
      const deadline = Date.now() + 120_000;
      while (
        !['drift resolved', 'self-heal:'].every((m) => lines.some((l) => String(l.msg).startsWith(m))) &&
        Date.now() < deadline
      )
        await new Promise((r) => setTimeout(r, 200));

      const opened = lines.find((l) => String(l.msg).startsWith('drift opened'));
      expect(opened).toMatchObject({
        level: 'warn',
        bundle,
        cluster: 'c1',
        object: `Deployment/${ns}/app`,
        drift: 'changed',
        paths: ['spec.replicas'],
      });
      expect(counts.some((c) => c[bundle] === 1)).toBe(true);
      expect(lines.find((l) => String(l.msg).startsWith('self-heal:'))).toMatchObject({
        bundle,
        cluster: 'c1',
        version: '1.0.0',
        outcome: 'healed',
      });
      expect(lines.find((l) => String(l.msg).startsWith('drift resolved'))).toMatchObject({
        object: `Deployment/${ns}/app`,
        resolution: 'healed',
      });
      expect(counts.at(-1)?.[bundle] ?? 0).toBe(0);
      expect(
        (await kubectlOn(env, c1, ['get', 'deployment', 'app', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).trim(),
      ).toBe('1');
    } finally {
      ac.abort();
      await task?.stop();
    }
  });
});
