/**
 * Benchmark: cut + push of a 500-member bundle vs `oras push` of the same 500
 * files to the same real registry (CNCF distribution on loopback), and the
 * cost of an unchanged re-cut (target: 0 blob uploads, at most 2 requests).
 * Prints times and ratios; not a test.
 *
 * Run: node bench/cut-push.ts [members=500] [rounds=3]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { git } from '../fixtures/testenv/git-server.ts';
import { stopProcesses } from '../fixtures/testenv/process.ts';
import { startRegistry } from '../fixtures/testenv/registry.ts';
import { cutVersions } from '../lib/verbs/cut.ts';
import { openWorkspace } from '../lib/workspace/workspace.ts';

const members = Number(process.argv[2] ?? 500);
const rounds = Number(process.argv[3] ?? 3);
const oras = [
  join(homedir(), 'go', 'bin', 'oras'),
  ...(process.env.PATH ?? '').split(':').map((p) => join(p, 'oras')),
].find((p) => existsSync(p));
if (!oras) throw new Error('oras not found: run bash .ci/setup');

const dir = mkdtempSync(join(tmpdir(), 'drover-bench-cut-'));
const reg = await startRegistry(dir);
try {
  const repo = join(dir, 'repo');
  const files = join(repo, 'cms');
  mkdirSync(files, { recursive: true });
  writeFileSync(
    join(repo, 'bundle.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: 'big' },
      spec: {
        namespace: 'bench',
        roots: [{ kind: 'Deployment', name: 'big' }],
        include: [{ kind: 'ConfigMap', name: 'cm-*' }],
      },
    }),
  );
  writeFileSync(
    join(repo, 'deploy.yaml'),
    stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'big', namespace: 'bench' },
      spec: {
        selector: { matchLabels: { app: 'big' } },
        template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      },
    }),
  );
  for (let i = 0; i < members - 1; i++) {
    writeFileSync(
      join(files, `cm-${i}.yaml`),
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${i}`, namespace: 'bench' },
        data: { index: String(i), payload: 'x'.repeat(512) },
      }),
    );
  }
  await git(repo, ['init', '--quiet', '--initial-branch=main']);
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '--quiet', '-m', 'bench']);

  const drover: number[] = [];
  const native: number[] = [];
  let reCut = { requests: -1, uploads: -1 };
  for (let r = 0; r < rounds; r++) {
    const ws = join(dir, `ws-${r}`);
    mkdirSync(ws);
    writeFileSync(
      join(ws, 'drover.yaml'),
      stringify({
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Config',
        sources: [{ name: 'bench', url: repo }],
        registry: `oci://${reg.info.host}/drover-${r}`,
      }),
    );
    const w = await openWorkspace({ configPath: join(ws, 'drover.yaml'), env: process.env });
    let t = performance.now();
    const res = await cutVersions({ ws: w });
    drover.push(performance.now() - t);
    if (res.cut.length !== 1) throw new Error(`expected one version, got ${res.cut.length}`);
    const before = { ...w.stores.stats };
    await cutVersions({ ws: w });
    reCut = {
      requests: w.stores.stats.requests - before.requests,
      uploads: w.stores.stats.blobUploads - before.blobUploads,
    };
    w.close();

    t = performance.now();
    execFileSync(
      oras,
      [
        'push',
        '--plain-http',
        `${reg.info.host}/oras-${r}/big:1.0.0`,
        '--disable-path-validation',
        ...['../deploy.yaml', ...Array.from({ length: members - 1 }, (_, i) => `cm-${i}.yaml`)],
      ],
      { cwd: files, stdio: 'ignore' },
    );
    native.push(performance.now() - t);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const d = median(drover);
  const o = median(native);
  process.stdout.write(
    [
      `cut + push of a ${members}-member bundle vs oras push of the same files (median of ${rounds}, registry ${reg.info.host})`,
      `  drover cut+push: ${d.toFixed(0)} ms`,
      `  oras push:       ${o.toFixed(0)} ms`,
      `  ratio:           ${(d / o).toFixed(2)}x (target <= 1.0x)`,
      `unchanged re-cut: ${reCut.uploads} blob uploads, ${reCut.requests} registry requests (target 0 uploads, <= 2 requests)`,
      '',
    ].join('\n'),
  );
} finally {
  await stopProcesses([reg.proc]);
  rmSync(dir, { recursive: true, force: true });
}
