/**
 * Benchmark: a cut that renders 50 Kustomize bundles x 3 targets (dev, prod,
 * prod/c3 overlays on a shared base each) against `kustomize build` of the
 * same 150 targets in a shell loop (target <= 1.2x: the renderer dominates,
 * and Drover runs renders side by side), then a re-cut after a commit that
 * touches one bundle's prod overlay: how many renderer runs it needed
 * (target: that bundle's changed target only; the rest come from the render
 * cache by input key) and its time as a ratio of the full cut. Uses the
 * embedded registry (oci-layout) so the registry is not what is measured.
 *
 * Run: node bench/render-cut.ts [bundles=50] [rounds=3]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { git } from '../fixtures/testenv/git-server.ts';
import { findBinary } from '../lib/render/find-binary.ts';
import { cutVersions } from '../lib/verbs/cut.ts';
import { openWorkspace } from '../lib/workspace/workspace.ts';

const bundles = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 3);
const kustomize = findBinary({ name: 'kustomize', baseDir: process.cwd(), env: process.env });
const dir = mkdtempSync(join(tmpdir(), 'drover-bench-render-'));
const write = (p: string, doc: unknown) => {
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, typeof doc === 'string' ? doc : stringify(doc));
};
const targets = ['dev', 'prod', 'prod/c3'] as const;
const overlayOf = (t: string) => t.replace('/', '-');

try {
  const repo = join(dir, 'repo');
  for (let b = 0; b < bundles; b++) {
    const app = `app${b}`;
    const base = join(repo, app, 'base');
    write(join(base, 'kustomization.yaml'), { resources: ['deployment.yaml', 'service.yaml', 'config.yaml'] });
    write(join(base, 'deployment.yaml'), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app }, spec: { replicas: 1, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: app, image: `registry.invalid/${app}:1`, envFrom: [{ configMapRef: { name: app } }], readinessProbe: { httpGet: { path: '/', port: 80 } }, resources: { requests: { cpu: '10m' } } }] } } } });
    write(join(base, 'service.yaml'), { apiVersion: 'v1', kind: 'Service', metadata: { name: app }, spec: { selector: { app }, ports: [{ port: 80 }] } });
    write(join(base, 'config.yaml'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: app }, data: { LEVEL: 'info' } });
    for (const t of targets) {
      write(join(repo, app, overlayOf(t), 'kustomization.yaml'), { namespace: `bench-${overlayOf(t)}`, resources: ['../base'], patches: [{ path: 'replicas.yaml' }] });
      write(join(repo, app, overlayOf(t), 'replicas.yaml'), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app }, spec: { replicas: t === 'dev' ? 1 : 3 } });
    }
    write(join(repo, app, 'bundle.yaml'), { apiVersion: 'drover.dev/v1alpha1', kind: 'Bundle', metadata: { name: app }, spec: { paths: [`${app}/`], kustomize: {}, targets: targets.map((t) => ({ name: t, path: `${app}/${overlayOf(t)}` })), lint: { 'single-replica-without-pdb': 'off', 'replicas-without-spread': 'off', 'serving-without-graceful-shutdown': 'off' } } });
  }
  await git(repo, ['init', '--quiet', '--initial-branch=main']);
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '--quiet', '-m', 'bench']);

  const full: number[] = [];
  const loop: number[] = [];
  const recut: number[] = [];
  let runs = -1;
  for (let r = 0; r < rounds; r++) {
    const ws = join(dir, `ws-${r}`);
    mkdirSync(ws);
    writeFileSync(join(ws, 'drover.yaml'), stringify({ apiVersion: 'drover.dev/v1alpha1', kind: 'Config', sources: [{ name: 'bench', url: repo }], registry: 'oci-layout://.drover/registry', render: { kustomize: { binary: kustomize, concurrency: 4 } } }));
    const w = await openWorkspace({ configPath: join(ws, 'drover.yaml'), env: process.env });
    let t = performance.now();
    const res = await cutVersions({ ws: w, env: process.env });
    full.push(performance.now() - t);
    if (res.cut.length !== bundles || res.renders.length !== bundles * targets.length) throw new Error(`expected ${bundles} versions from ${bundles * targets.length} renders, got ${res.cut.length} / ${res.renders.length}`);

    // One bundle's prod overlay changes; the other 149 renders' inputs do not.
    writeFileSync(join(repo, 'app7', 'prod', 'replicas.yaml'), stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app7' }, spec: { replicas: 4 + r } }));
    await git(repo, ['commit', '--quiet', '-am', `app7: prod replicas ${4 + r}`]);
    t = performance.now();
    const again = await cutVersions({ ws: w, env: process.env });
    recut.push(performance.now() - t);
    runs = again.renders.filter((x) => !x.cached).length;
    if (again.cut.map((c) => c.bundle).join() !== 'app7') throw new Error(`the re-cut cut ${again.cut.map((c) => c.bundle).join()}`);
    w.close();

    t = performance.now();
    execFileSync('sh', ['-c', `for b in $(seq 0 ${bundles - 1}); do for t in ${targets.map(overlayOf).join(' ')}; do "${kustomize}" build app$b/$t > /dev/null; done; done`], { cwd: repo });
    loop.push(performance.now() - t);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [f, l, c] = [median(full), median(loop), median(recut)];
  process.stdout.write(
    [
      `${bundles} Kustomize bundles x ${targets.length} targets (median of ${rounds})`,
      `  drover full cut (renders, discovery, lint, pack, push to oci-layout): ${f.toFixed(0)} ms`,
      `  kustomize build of the ${bundles * targets.length} targets in a shell loop:          ${l.toFixed(0)} ms`,
      `  ratio: ${(f / l).toFixed(2)}x (target <= 1.2x)`,
      `re-cut after a commit touching one bundle: ${runs} renderer run(s) (target: 1, that bundle's changed target), ${c.toFixed(0)} ms = ${(c / f).toFixed(2)}x of the full cut`,
      '',
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
