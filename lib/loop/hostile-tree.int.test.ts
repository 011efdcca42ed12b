// A hostile repository against a real `drover serve` (a child process), the
// real Git server, registry and one cluster. Two sources, each a ConfigMap
// bundle deployed to dev. Then one source's branch gets a commit whose tree
// is ten levels of ten directories (10^10 paths from a few hundred bytes of
// objects, built with git plumbing and pushed; the push's webhook wakes the
// loop). That source fails with E_TREE_LIMIT naming the path and the setting
// to raise, where a person looks (/api/v1/daemon, /readyz, the API's cut);
// its bundle keeps running its version; the other source keeps cutting and
// deploying; and the serving process's memory barely moves.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import { installPushWebhook } from '../../fixtures/testenv/push-webhook.ts';
import { type Daemon, startDaemon } from '../../fixtures/testenv/serve-daemon.ts';
import { pushCommit } from '../../fixtures/testenv/source-repos.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { pushHostileCommit } from '../source/testdata/hostile-tree.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
const scratch = mkdtempSync(join(tmpdir(), 'drover-hostile-'));
const ns = uniqueName('hostile');
const token = `tok-${uniqueName('api')}`;
const secret = `whs-${uniqueName('hook')}`;
const names = { hostile: uniqueName('hostile'), normal: uniqueName('normal') };
const repos = { hostile: { url: '', bare: '' }, normal: { url: '', bare: '' } };
let daemon: Daemon;
let drop: () => Promise<void>;

/** A repository whose one bundle is ConfigMap `<bundle>` (healthy as soon as it is applied). */
function bundleFiles(dir: string, bundle: string, round: number): void {
  writeFileSync(
    join(dir, 'bundle.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: bundle },
      spec: { namespace: ns, roots: [{ kind: 'ConfigMap', name: bundle }] },
    }),
  );
  writeFileSync(
    join(dir, 'config.yaml'),
    stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: bundle }, data: { ROUND: String(round) } }),
  );
}

/** VmRSS and VmHWM (peak) of a process, in MB, from /proc. */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)![1]);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

type Versions = { version: string }[];
const versions = async (bundle: string) =>
  ((await daemon.api(`/api/v1/bundles/${bundle}/versions`)).json as Versions).map((v) => v.version);
const runs = async (bundle: string) =>
  (
    (await daemon.api(`/api/v1/bundles/${bundle}`)).json as { environments?: { name: string; runs: string | null }[] }
  ).environments?.find((e) => e.name === 'dev')?.runs ?? null;
type Failing = { task: string; attempts: number; error: string };

beforeAll(async () => {
  drop = await createNamespace(env, ns, [c1]);
  for (const which of ['hostile', 'normal'] as const) {
    const seed = mkdtempSync(join(scratch, `${which}-`));
    bundleFiles(seed, names[which], 0);
    const name = uniqueName(which);
    repos[which] = {
      url: await createRepo(env.git, { name, fixtureDir: seed }),
      bare: join(env.git.root, `${name}.git`),
    };
  }
  const ws = mkdtempSync(join(scratch, 'ws-'));
  writeTestConfig(env, ws, {
    clusters: [c1],
    sources: [
      { name: 'hostile', url: repos.hostile.url, schedule: '0 0 1 1 *' },
      { name: 'normal', url: repos.normal.url, schedule: '0 0 1 1 *' },
    ],
    registry: `oci://${env.registry.host}/${uniqueName('hostile')}`,
    environments: [{ name: 'dev', clusters: [c1.name], timeoutSeconds: 60 }],
  });
  daemon = await startDaemon({
    config: join(ws, 'drover.yaml'),
    cwd: ws,
    env: { DROVER_API_TOKEN: token, DROVER_WEBHOOK_SECRET: secret },
    token,
  });
  for (const which of ['hostile', 'normal'] as const)
    installPushWebhook({
      server: env.git,
      repoUrl: repos[which].url,
      hookUrl: `${daemon.base()}/hooks/github`,
      secret,
    });
});

afterAll(async () => {
  await daemon?.kill();
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a hostile tree in one source', () => {
  it('fails that source, naming the path and the limit; the other source and what runs keep going', async () => {
    for (const b of Object.values(names))
      await daemon.until(`${b}@1.0.0 in dev`, async () => (await runs(b)) === '1.0.0');
    const before = memoryOf(daemon.proc.pid!);

    await pushHostileCommit({ bare: repos.hostile.bare, dir: 'nest', levels: 10, fanout: 10 });
    const failing = await daemon.until('source:hostile failing', async () =>
      ((await daemon.api('/api/v1/daemon')).json as { failing: Failing[] }).failing.find(
        (f) => f.task === 'source:hostile',
      ),
    );
    expect(failing.error).toMatch(
      /^nest\/d\d(\/d\d)*(\/\.\.\.)?: \d+ tree entries read, more than limits\.treeEntries \(100000\); .*raise limits\.treeEntries in drover\.yaml/,
    );
    const readyz = await fetch(`${daemon.base()}/readyz`);
    expect(readyz.status).toBe(200);
    expect(((await readyz.json()) as { failing: Failing[] }).failing.map((f) => f.task)).toContain('source:hostile');
    // Asked through the API, the same refusal, with its code and where it crossed.
    const cut = await fetch(`${daemon.base()}/api/v1/cut`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'hostile' }),
    });
    expect(cut.status).toBe(422);
    const refusal = ((await cut.json()) as { error: { code: string; data: { path: string } } }).error;
    expect(refusal).toMatchObject({ code: 'E_TREE_LIMIT', data: { setting: 'treeEntries', limit: 100_000 } });
    expect(refusal.data.path).toMatch(/^nest\/d\d/);

    // Memory of the serving process: the walks (the loop's, its retries, the API's) stopped at the cap.
    const after = memoryOf(daemon.proc.pid!);
    const grewMb = after.rssMb - before.rssMb;
    const peakOverMb = Math.max(0, after.peakMb - before.rssMb);
    process.stderr.write(
      `[hostile-tree] drover serve VmRSS ${before.rssMb.toFixed(1)} MB -> ${after.rssMb.toFixed(1)} MB (${grewMb.toFixed(1)} MB), VmHWM ${before.peakMb.toFixed(1)} -> ${after.peakMb.toFixed(1)} MB\n`,
    );
    expect(grewMb).toBeLessThan(100);
    expect(peakOverMb).toBeLessThan(100);

    // The other source keeps cutting and deploying; the hostile source's bundle keeps running what it ran.
    await pushCommit({ bare: repos.normal.bare, message: 'round 1', edit: (w) => bundleFiles(w, names.normal, 1) });
    await daemon.until(`${names.normal}@1.0.1 in dev`, async () => (await runs(names.normal)) === '1.0.1');
    expect(await versions(names.normal)).toEqual(['1.0.1', '1.0.0']);
    expect(await versions(names.hostile)).toEqual(['1.0.0']);
    expect(await runs(names.hostile)).toBe('1.0.0');
    const live = await kubectlOn(env, c1, ['get', 'configmap', '-n', ns, '-o', 'jsonpath={.items[*].data.ROUND}']);
    expect(live.trim().split(' ').sort()).toEqual(['0', '1']);
    expect(daemon.proc.exitCode).toBeNull();
  });
});
