/**
 * Benchmark: changed-path detection on a generated 10,000-file repository
 * (500 directories x 20 files, committed, `git gc` to a single pack), then 1
 * and 100 follow-up commits (loose objects, as after a fetch). Times
 * lib/source `changedPaths` against `git diff --name-only A B` (a spawned
 * process, as a user would run it) and prints the ratios. Target: warm <= 3x
 * native. Then the commit walk a cut does for version bumps (`commitsSince`:
 * every commit of the range with the paths it changed) against
 * `git log --name-only` of the same range, checked to agree.
 *
 * Run: node bench/source-diff.ts [--runs 30] [--keep]
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import git from 'isomorphic-git';
import { changedPaths } from '../lib/source/changed-paths.ts';
import { commitsSince } from '../lib/source/commits-since.ts';
import { openRepo } from '../lib/source/repo.ts';

const execFileP = promisify(execFile);
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '30' }, keep: { type: 'boolean', default: false } },
});
const RUNS = Number(values.runs);
const DIRS = 500;
const PER_DIR = 20;

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@drover.invalid',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@drover.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};
const run = (cwd: string, args: string[]) =>
  execFileSync('git', args, { cwd, env: { ...gitEnv, HOME: cwd }, maxBuffer: 256 << 20 })
    .toString()
    .trim();

function manifest(d: number, f: number, rev = 0): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${d}-${f}\n  namespace: team-${d % 17}\ndata:\n  rev: "${rev}"\n  value: "${'x'.repeat(200)}"\n`;
}

function generate(dir: string): { base: string; one: string; hundred: string } {
  run(dir, ['init', '--quiet', '--initial-branch=main']);
  // No background auto-gc racing the explicit one below.
  run(dir, ['config', 'gc.auto', '0']);
  for (let d = 0; d < DIRS; d++) {
    const sub = join(dir, `team-${String(d % 25).padStart(2, '0')}`, `app-${String(d).padStart(3, '0')}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < PER_DIR; f++) writeFileSync(join(sub, `m-${String(f).padStart(2, '0')}.yaml`), manifest(d, f));
  }
  run(dir, ['add', '-A']);
  run(dir, ['commit', '--quiet', '-m', 'base']);
  run(dir, ['gc', '--quiet', '--prune=now']);
  const base = run(dir, ['rev-parse', 'HEAD']);
  const file = (d: number, f: number) =>
    join(
      dir,
      `team-${String(d % 25).padStart(2, '0')}`,
      `app-${String(d).padStart(3, '0')}`,
      `m-${String(f).padStart(2, '0')}.yaml`,
    );
  writeFileSync(file(0, 0), manifest(0, 0, 1));
  run(dir, ['commit', '--quiet', '-am', 'one']);
  const one = run(dir, ['rev-parse', 'HEAD']);
  for (let i = 1; i < 100; i++) {
    const d = (i * 37) % DIRS;
    if (i % 10 === 0) {
      writeFileSync(join(file(d, 0), '..', `new-${i}.yaml`), manifest(d, 100 + i));
      run(dir, ['add', '-A']);
    } else if (i % 10 === 5) {
      run(dir, ['rm', '--quiet', file(d, 19)]);
    } else {
      writeFileSync(file(d, i % PER_DIR), manifest(d, i % PER_DIR, i + 1));
    }
    run(dir, ['commit', '--quiet', '-am', `change ${i}`]);
  }
  const hundred = run(dir, ['rev-parse', 'HEAD']);
  return { base, one, hundred };
}

async function timeMs(fn: () => Promise<unknown>, runs = RUNS): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** For reference: the same diff with isomorphic-git's walk, pruning equal subtrees in map. */
async function walkDiff(gitdir: string, cache: object, a: string, b: string): Promise<number> {
  let n = 0;
  await git.walk({
    fs: (await import('node:fs')).default,
    gitdir,
    cache,
    trees: [git.TREE({ ref: a }), git.TREE({ ref: b })],
    map: async (path, [x, y]) => {
      if (path === '.') return true;
      const [ox, oy] = await Promise.all([x?.oid(), y?.oid()]);
      if (ox === oy) return null;
      const [tx, ty] = await Promise.all([x?.type(), y?.type()]);
      if (tx === 'blob' || ty === 'blob') n++;
      return true;
    },
  });
  return n;
}

const dir = mkdtempSync(join(tmpdir(), 'drover-bench-'));
try {
  const t0 = Date.now();
  const { base, one, hundred } = generate(dir);
  const packs = run(dir, ['count-objects', '-v'])
    .split('\n')
    .find((l) => l.startsWith('packs:'));
  console.log(
    `generated ${DIRS * PER_DIR} files in ${DIRS} dirs, ${packs}, in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  const gitdir = join(dir, '.git');
  const fmt = (ms: number) => `${ms.toFixed(2).padStart(7)} ms`;
  console.log(`median of ${RUNS} runs\n`);
  console.log(
    'diff          files  git diff   changedPaths(warm)  ratio   no-ancestry  ratio   trees-uncached ratio   cold(first)  walk(ref)',
  );
  for (const [label, to] of [
    ['A..A+1', one],
    ['A..A+100', hundred],
  ] as const) {
    const nativeFiles = run(dir, ['diff', '--name-only', '--no-renames', base, to]).split('\n').filter(Boolean);
    const native = await timeMs(() =>
      execFileP('git', ['diff', '--name-only', '--no-renames', base, to], { cwd: dir, env: gitEnv }),
    );

    const coldRepo = openRepo({ gitdir });
    const c0 = process.hrtime.bigint();
    const first = await changedPaths({ repo: coldRepo, from: base, to });
    const cold = Number(process.hrtime.bigint() - c0) / 1e6;
    if (first.changes.length !== nativeFiles.length || first.changes.some((c, i) => c.path !== nativeFiles[i])) {
      throw new Error(
        `${label}: changedPaths disagrees with git diff (${first.changes.length} vs ${nativeFiles.length})`,
      );
    }
    // Warm: same source object, after one run (pack index and parsed trees cached).
    const repo = openRepo({ gitdir });
    await changedPaths({ repo, from: base, to });
    const warm = await timeMs(() => changedPaths({ repo, from: base, to }));
    const noAnc = await timeMs(() => changedPaths({ repo, from: base, to, checkAncestry: false }));
    // Pack index warm, but every tree re-read and re-parsed each run.
    const uncached = await timeMs(async () => {
      repo.trees.clear();
      repo.commits.clear();
      await changedPaths({ repo, from: base, to, checkAncestry: false });
    });
    const walkCache = {};
    await walkDiff(gitdir, walkCache, base, to);
    const walk = await timeMs(() => walkDiff(gitdir, walkCache, base, to), Math.min(RUNS, 5));
    console.log(
      `${label.padEnd(10)} ${String(nativeFiles.length).padStart(6)} ${fmt(native)} ${fmt(warm).padStart(14)} ${(warm / native).toFixed(2).padStart(10)}x ${fmt(noAnc)} ${(noAnc / native).toFixed(2).padStart(5)}x ${fmt(uncached)} ${(uncached / native).toFixed(2).padStart(6)}x ${fmt(cold)} ${fmt(walk)}`,
    );
  }
  console.log('\ncommits       count  git log --name-only   commitsSince(warm)  ratio   cold(first)  ratio');
  for (const [label, to] of [
    ['A..A+1', one],
    ['A..A+100', hundred],
  ] as const) {
    const logArgs = ['log', '--format=%x00%H', '--name-only', '--no-renames', `${base}..${to}`];
    const native = run(dir, logArgs)
      .split('\0')
      .filter(Boolean)
      .map((chunk) => {
        const [oid, ...paths] = chunk.split('\n').filter(Boolean);
        return `${oid} ${paths.sort().join(',')}`;
      });
    const nativeMs = await timeMs(() => execFileP('git', logArgs, { cwd: dir, env: gitEnv }));
    const coldRepo = openRepo({ gitdir });
    const c0 = process.hrtime.bigint();
    const first = await commitsSince({ repo: coldRepo, from: base, to });
    const cold = Number(process.hrtime.bigint() - c0) / 1e6;
    const ours = first.commits.map((c) => `${c.oid} ${[...(c.paths ?? [])].sort().join(',')}`);
    if (JSON.stringify([...ours].sort()) !== JSON.stringify([...native].sort()))
      throw new Error(`${label}: commitsSince disagrees with git log (${ours.length} vs ${native.length} commits)`);
    const repo = openRepo({ gitdir });
    await commitsSince({ repo, from: base, to });
    const warm = await timeMs(() => commitsSince({ repo, from: base, to }));
    console.log(
      `${label.padEnd(10)} ${String(ours.length).padStart(6)} ${fmt(nativeMs).padStart(22)} ${fmt(warm).padStart(20)} ${(warm / nativeMs).toFixed(2).padStart(6)}x ${fmt(cold)} ${(cold / nativeMs).toFixed(2).padStart(6)}x`,
    );
  }
} finally {
  if (values.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
