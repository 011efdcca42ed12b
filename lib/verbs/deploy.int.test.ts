// Release acceptance through the CLI on three real clusters: versions cut
// from Git deploy whole to prod (waves c2 then c3); `drover rollback B --env
// prod --to 1.0.0` restores 1.0.0 on every prod cluster and the registry's
// prod channel tag points at 1.0.0's digest; status shows it. A version that
// c2 (the first wave) takes healthy but a ResourceQuota refuses on c3 fails
// the promotion: c3 rolls back, c2 is reverted, prod ends on 1.0.0 with its
// tag on 1.0.0's digest, exit 7.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-deploy-'));
const ns = uniqueName('shop');
const prefix = uniqueName('dep');
// Bundle names are cluster-wide (the inventory is drover-system/inventory-<bundle>): the shared clusters need a unique one.
const web = uniqueName('web');
let url: string;
let ws: string;
let drop: () => Promise<void>;

function rewrite(dir: string) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) rewrite(p);
    else
      writeFileSync(
        p,
        readFileSync(p, 'utf8').replaceAll('shop', ns).replace('metadata: {name: web}', `metadata: {name: ${web}}`),
      );
  }
}

beforeAll(async () => {
  const fixture = join(scratch, 'fixture');
  cpSync(join(import.meta.dirname, '..', '..', 'fixtures', 'repos', 'shop'), fixture, { recursive: true });
  rewrite(fixture);
  url = await createRepo(env.git, { name: uniqueName('shop'), fixtureDir: fixture });
  drop = await createNamespace(env, ns);
  ws = mkdtempSync(join(scratch, 'ws-'));
  writeTestConfig(env, ws, {
    sources: [{ name: 'shop', url }],
    registry: `oci://${env.registry.host}/${prefix}`,
    environments: [
      { name: 'dev', clusters: ['c1'] },
      { name: 'prod', clusters: ['c2', 'c3'], waves: [{ clusters: ['c2'] }, { clusters: ['c3'] }], timeoutSeconds: 90 },
    ],
  });
});
afterAll(async () => {
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

async function drover(args: string[]) {
  try {
    const r = await execFileP(process.execPath, [cli, ...args, '--output', 'json'], { cwd: ws });
    return { code: 0, json: JSON.parse(r.stdout) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, json: e.stdout ? JSON.parse(e.stdout) : { stderr: e.stderr } };
  }
}

async function channelDigest(tag: string): Promise<string | null> {
  const r = await fetch(`${env.registry.url}/v2/${prefix}/${web}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  return r.headers.get('docker-content-digest');
}

/** Clones the repository, replaces `from` with `to` in `file`, commits and pushes. */
async function pushEdit(file: string, from: string, to: string, message: string): Promise<void> {
  const work = mkdtempSync(join(scratch, 'clone-'));
  await git(scratch, ['clone', '--quiet', url, work]);
  writeFileSync(join(work, file), readFileSync(join(work, file), 'utf8').replace(from, to));
  await git(work, ['commit', '--quiet', '-am', message]);
  await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
}

const logLevel = async (cluster: (typeof env.clusters)[number]) =>
  (
    await kubectlOn(env, cluster, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LOG_LEVEL}'])
  ).trim();

describe('deploy and rollback by registry tag', () => {
  it('deploys 1.0.0 then 1.0.1 to prod, then rolls prod back to 1.0.0', async () => {
    const first = await drover(['cut']);
    expect(first.code).toBe(0);
    const v100 = first.json.cut.find((c: { bundle: string }) => c.bundle === web).digest;

    const d1 = await drover(['deploy', `${web}@1.0.0`, '--env', 'prod']);
    expect(d1.code).toBe(0);
    expect(d1.json.clusters.map((c: { cluster: string; state: string }) => [c.cluster, c.state])).toEqual([
      ['c2', 'succeeded'],
      ['c3', 'succeeded'],
    ]);

    await pushEdit('web/config.yaml', 'info', 'debug', 'web: debug');
    expect(
      (await drover(['cut'])).json.cut.map((c: { bundle: string; version: string }) => `${c.bundle}@${c.version}`),
    ).toEqual([`${web}@1.0.1`]);

    const d2 = await drover(['promote', web, '--to', 'prod', '--version', '1.0.1']);
    expect(d2.code).toBe(0);
    for (const c of env.clusters.slice(1)) expect(await logLevel(c)).toBe('debug');
    expect(await channelDigest('prod')).toBe(d2.json.digest);

    const rb = await drover(['rollback', web, '--env', 'prod', '--to', '1.0.0']);
    expect(rb.code).toBe(0);
    expect(rb.json.digest).toBe(v100);
    for (const c of env.clusters.slice(1)) expect(await logLevel(c)).toBe('info');
    expect(await channelDigest('prod')).toBe(v100);
    // dev was never deployed to.
    expect(await kubectlOn(env, env.clusters[0]!, ['get', 'configmap', '-n', ns, '-o', 'name'])).not.toContain(
      'web-config',
    );

    const status = await drover(['status']);
    expect(
      status.json
        .filter((r: { bundle: string }) => r.bundle === web)
        .map((r: { cluster: string; running: string }) => [r.cluster, r.running]),
    ).toEqual([
      ['c2', '1.0.0'],
      ['c3', '1.0.0'],
    ]);

    // Promotion by policy takes what dev runs healthy; dev runs nothing, so it refuses and says why.
    const again = await drover(['promote', web, '--to', 'prod']);
    expect(again.code).toBe(5);
    expect(again.json.error.message).toMatch(/not healthy on one version in dev/);
  });

  it('a promotion that one cluster refuses returns the cluster that took it, and the tag stays', async () => {
    const v100 = await channelDigest('prod');
    // c3 allows 3 Pods in the namespace: web's 2 (plus one surging) fit, 5 do not.
    await kubectlOn(env, env.clusters[2]!, ['create', 'quota', 'pods', '--hard=pods=3', '-n', ns]);
    await pushEdit('web/deployment.yaml', 'replicas: 2', 'replicas: 5', 'web: five replicas');
    expect(
      (await drover(['cut'])).json.cut.map((c: { bundle: string; version: string }) => `${c.bundle}@${c.version}`),
    ).toEqual([`${web}@1.0.2`]);

    const p = await drover(['promote', web, '--to', 'prod', '--version', '1.0.2']);
    expect(p.code, JSON.stringify(p.json)).toBe(7);
    expect(p.json.clusters.map((c: { cluster: string; state: string }) => [c.cluster, c.state])).toEqual([
      ['c2', 'reverted'],
      ['c3', 'rolled-back'],
    ]);
    expect(p.json.clusters[1].reason).toBe('ExceededQuota');
    expect(p.json.channel).toMatchObject({ tag: 'prod', from: v100, restored: true });
    expect(await channelDigest('prod')).toBe(v100);
    for (const c of env.clusters.slice(1))
      expect(
        (await kubectlOn(env, c, ['get', 'deployment', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).trim(),
      ).toBe('2');
    const status = await drover(['status']);
    expect(
      status.json
        .filter((r: { bundle: string }) => r.bundle === web)
        .map((r: { cluster: string; running: string; health: string }) => [r.cluster, r.running, r.health]),
    ).toEqual([
      ['c2', '1.0.0', 'Current'],
      ['c3', '1.0.0', 'Current'],
    ]);
    const history = await drover(['history', web, '--cluster', 'c2']);
    expect(JSON.stringify(history.json)).toContain(`revert: ${web}@1.0.2 failed on c3`);
  });
});
