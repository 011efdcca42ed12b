/**
 * Benchmark: cuts of rendered bundles against their renderer run by hand.
 *
 * Kustomize arm: 50 bundles x 3 targets (dev, prod, prod/c3 overlays on a
 * shared base each) against `kustomize build` of the same 150 targets in a
 * shell loop (target <= 1.2x: the renderer dominates, and Drover runs
 * renders side by side). Helm arm: 20 charts x 3 targets (a values file
 * each) against `helm template` of the same 60 targets in a loop (target
 * <= 2.2x: Drover renders every Helm target twice, to refuse charts that do
 * not render the same twice). Then, in each arm, a re-cut after a commit
 * that touches one bundle's prod input: how many renderer runs it needed
 * (target: that bundle's changed target only; the rest come from the render
 * cache by input key) and its time as a ratio of the full cut. Uses the
 * embedded registry (oci-layout) so the registry is not what is measured.
 *
 * Run: node bench/render-cut.ts [kustomize bundles=50] [helm charts=20] [rounds=3]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { git } from '../fixtures/testenv/git-server.ts';
import { findBinary } from '../lib/render/find-binary.ts';
import { helmRenderer } from '../lib/render/helm.ts';
import { kustomizeRenderer } from '../lib/render/kustomize.ts';
import { cutVersions } from '../lib/verbs/cut.ts';
import { openWorkspace } from '../lib/workspace/workspace.ts';

const kustomizeBundles = Number(process.argv[2] ?? 50);
const helmCharts = Number(process.argv[3] ?? 20);
const rounds = Number(process.argv[4] ?? 3);
const kustomize = findBinary({
  name: 'kustomize',
  baseDir: process.cwd(),
  env: process.env,
  install: kustomizeRenderer.install,
});
const helm = findBinary({ name: 'helm', baseDir: process.cwd(), env: process.env, install: helmRenderer.install });
const dir = mkdtempSync(join(tmpdir(), 'drover-bench-render-'));
const write = (p: string, doc: unknown) => {
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, typeof doc === 'string' ? doc : stringify(doc));
};
const targets = ['dev', 'prod', 'prod/c3'] as const;
const fileOf = (t: string) => t.replace('/', '-');
const lint = {
  'single-replica-without-pdb': 'off',
  'replicas-without-spread': 'off',
  'serving-without-graceful-shutdown': 'off',
};
const deployment = (app: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: app },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app } },
    template: {
      metadata: { labels: { app } },
      spec: {
        containers: [
          {
            name: app,
            image: `registry.invalid/${app}:1`,
            envFrom: [{ configMapRef: { name: app } }],
            readinessProbe: { httpGet: { path: '/', port: 80 } },
            resources: { requests: { cpu: '10m' } },
          },
        ],
      },
    },
  },
});

interface Arm {
  name: string;
  bundles: number;
  /** Writes bundle `app` into the repository. */
  seed: (repo: string, app: string) => void;
  render: Record<string, unknown>;
  /** The peer: the same renders by hand, one after another. */
  loop: string;
  /** Changes one bundle's prod input, round `r`. */
  touch: (repo: string, r: number) => void;
  target: string;
  /** Renderer runs a re-cut should need. */
  reruns: string;
}

const arms: Arm[] = [
  {
    name: 'Kustomize bundles',
    bundles: kustomizeBundles,
    seed: (repo, app) => {
      const base = join(repo, app, 'base');
      write(join(base, 'kustomization.yaml'), { resources: ['deployment.yaml', 'service.yaml', 'config.yaml'] });
      write(join(base, 'deployment.yaml'), deployment(app));
      write(join(base, 'service.yaml'), {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: app },
        spec: { selector: { app }, ports: [{ port: 80 }] },
      });
      write(join(base, 'config.yaml'), {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: app },
        data: { LEVEL: 'info' },
      });
      for (const t of targets) {
        write(join(repo, app, fileOf(t), 'kustomization.yaml'), {
          namespace: `bench-${fileOf(t)}`,
          resources: ['../base'],
          patches: [{ path: 'replicas.yaml' }],
        });
        write(join(repo, app, fileOf(t), 'replicas.yaml'), {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: app },
          spec: { replicas: t === 'dev' ? 1 : 3 },
        });
      }
      write(join(repo, app, 'bundle.yaml'), {
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Bundle',
        metadata: { name: app },
        spec: {
          paths: [`${app}/`],
          kustomize: {},
          targets: targets.map((t) => ({ name: t, path: `${app}/${fileOf(t)}` })),
          lint,
        },
      });
    },
    render: { kustomize: { binary: kustomize, concurrency: 4 } },
    loop: `for b in $(seq 0 ${kustomizeBundles - 1}); do for t in ${targets.map(fileOf).join(' ')}; do "${kustomize}" build app$b/$t > /dev/null; done; done`,
    touch: (repo, r) =>
      writeFileSync(
        join(repo, 'app7', 'prod', 'replicas.yaml'),
        stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app7' }, spec: { replicas: 4 + r } }),
      ),
    target: '1.2x',
    reruns: "1, that bundle's prod overlay",
  },
  {
    name: 'Helm charts',
    bundles: helmCharts,
    seed: (repo, app) => {
      const chart = join(repo, app);
      write(join(chart, 'Chart.yaml'), { apiVersion: 'v2', name: app, version: '0.1.0' });
      write(join(chart, 'values.yaml'), { replicas: 1, level: 'info' });
      write(
        join(chart, 'templates', 'deployment.yaml'),
        stringify(deployment(app))
          .replace('replicas: 1', 'replicas: {{ .Values.replicas }}')
          .replaceAll(app, '{{ .Release.Name }}'),
      );
      write(
        join(chart, 'templates', 'service.yaml'),
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  selector: {app: {{ .Release.Name }}}\n  ports: [{port: 80}]\n',
      );
      write(
        join(chart, 'templates', 'config.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  LEVEL: {{ .Values.level | quote }}\n',
      );
      for (const t of targets) write(join(chart, `values-${fileOf(t)}.yaml`), { replicas: t === 'dev' ? 1 : 3 });
      write(join(chart, 'bundle.yaml'), {
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Bundle',
        metadata: { name: app },
        spec: {
          paths: [`${app}/bundle.yaml`],
          namespace: 'bench',
          helm: { chart: app },
          targets: targets.map((t) => ({ name: t, values: [`${app}/values-${fileOf(t)}.yaml`] })),
          lint,
        },
      });
    },
    render: { helm: { binary: helm, concurrency: 4 } },
    loop: `for b in $(seq 0 ${helmCharts - 1}); do for t in ${targets.map(fileOf).join(' ')}; do "${helm}" template app$b ./app$b --namespace bench -f app$b/values-$t.yaml > /dev/null; done; done`,
    touch: (repo, r) => writeFileSync(join(repo, 'app7', 'values-prod.yaml'), stringify({ replicas: 4 + r })),
    target: '2.2x',
    reruns: "2: that bundle's prod, and prod/c3, which reads prod's values first",
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  for (const [a, arm] of arms.entries()) {
    if (arm.bundles === 0) continue;
    const repo = join(dir, `repo-${a}`);
    for (let b = 0; b < arm.bundles; b++) arm.seed(repo, `app${b}`);
    await git(repo, ['init', '--quiet', '--initial-branch=main']);
    await git(repo, ['add', '-A']);
    await git(repo, ['commit', '--quiet', '-m', 'bench']);

    const full: number[] = [];
    const loop: number[] = [];
    const recut: number[] = [];
    let runs = -1;
    for (let r = 0; r < rounds; r++) {
      const ws = join(dir, `ws-${a}-${r}`);
      mkdirSync(ws);
      writeFileSync(
        join(ws, 'drover.yaml'),
        stringify({
          apiVersion: 'drover.dev/v1alpha1',
          kind: 'Config',
          sources: [{ name: 'bench', url: repo }],
          registry: 'oci-layout://.drover/registry',
          render: arm.render,
        }),
      );
      const w = await openWorkspace({ configPath: join(ws, 'drover.yaml'), env: process.env });
      let t = performance.now();
      const res = await cutVersions({ ws: w });
      full.push(performance.now() - t);
      if (res.cut.length !== arm.bundles || res.renders.length !== arm.bundles * targets.length)
        throw new Error(
          `${arm.name}: expected ${arm.bundles} versions from ${arm.bundles * targets.length} renders, got ${res.cut.length} / ${res.renders.length} (${res.failed.map((f) => f.error.message).join('; ')})`,
        );

      // One bundle's prod input changes; the other renders' inputs do not.
      arm.touch(repo, r);
      await git(repo, ['commit', '--quiet', '-am', `app7: prod ${r}`]);
      t = performance.now();
      const again = await cutVersions({ ws: w });
      recut.push(performance.now() - t);
      runs = again.renders.filter((x) => !x.cached).length;
      if (again.cut.map((c) => c.bundle).join() !== 'app7')
        throw new Error(`${arm.name}: the re-cut cut ${again.cut.map((c) => c.bundle).join()}`);
      w.close();

      t = performance.now();
      execFileSync('sh', ['-c', arm.loop], { cwd: repo, env: { PATH: process.env.PATH ?? '', HOME: dir } });
      loop.push(performance.now() - t);
    }
    const [f, l, c] = [median(full), median(loop), median(recut)];
    process.stdout.write(
      [
        `${arm.bundles} ${arm.name} x ${targets.length} targets (median of ${rounds})`,
        `  drover full cut (renders, discovery, lint, pack, push to oci-layout): ${f.toFixed(0)} ms`,
        `  the renderer on the ${arm.bundles * targets.length} targets in a shell loop:             ${l.toFixed(0)} ms`,
        `  ratio: ${(f / l).toFixed(2)}x (target <= ${arm.target})`,
        `  re-cut after a commit touching one bundle: ${runs} renderer run(s) (target: ${arm.reruns}), ${c.toFixed(0)} ms = ${(c / f).toFixed(2)}x of the full cut`,
        '',
      ].join('\n'),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
