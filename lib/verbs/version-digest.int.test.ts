// Versions by digest (issue #24, item 8), through the real CLI, the real
// registry and the ORAS CLI as "someone else", on two real clusters (dev: c1,
// prod: c2). 1.0.0 and 1.0.1 are cut and 1.0.1 runs healthy in dev; then
// the immutable version tags are swapped with `oras tag` (1.0.1 names
// 1.0.0's artifact and back), each still a valid Drover version of the bundle:
// - promote to prod (what dev runs healthy: 1.0.1) refuses, naming both
//   digests; prod's tag is never created and nothing reaches c2;
// - deploy 1.0.1 to dev and rollback --to 1.0.0 refuse the same way; dev's
//   tag and c1 stay on 1.0.1;
// - diff between the two refuses;
// - `drover serve`'s API promote (the call the dashboard's promote action
//   makes) answers 409 with the same refusal;
// - with the tags put back, promote goes through by the recorded digest.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { droverCli } from '../../fixtures/testenv/drover-cli.ts';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { appDeployment } from '../../fixtures/testenv/manifests.ts';
import { orasCli } from '../../fixtures/testenv/oras.ts';
import { startDaemon } from '../../fixtures/testenv/serve-daemon.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const env = testEnv();
const [c1, c2] = env.clusters as [(typeof env.clusters)[number], (typeof env.clusters)[number]];
const scratch = mkdtempSync(join(tmpdir(), 'drover-version-digest-'));
const ns = uniqueName('vdig');
const prefix = uniqueName('vdig');
const web = uniqueName('web');
const repo = `${env.registry.host}/${prefix}/${web}`;
const token = `tok-${uniqueName('vdig')}-${uniqueName('x')}`;
const oras = orasCli(scratch);
let work: string;
let ws: string;
let drop: () => Promise<void>;
let drover: ReturnType<typeof droverCli>;
const digests: Record<string, string> = {};

function writeApp(dir: string, level: string): void {
  mkdirSync(join(dir, 'apps'), { recursive: true });
  const docs = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: web },
      spec: { roots: [{ kind: 'Deployment', namespace: ns, name: 'web' }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: ns }, data: { LEVEL: level } },
    appDeployment({ name: 'web', namespace: ns, configMap: 'web-config' }),
  ];
  writeFileSync(join(dir, 'apps', 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
}

const tagDigest = async (tag: string) => (await oras(['resolve', '--plain-http', `${repo}:${tag}`])).trim();
const hasTag = (tag: string) =>
  tagDigest(tag).then(
    () => true,
    () => false,
  );
/** Points `tag` at a digest, as someone else would: the registry itself does not keep version tags immutable. */
const orasTag = (digest: string, tag: string) => oras(['tag', '--plain-http', `${repo}@${digest}`, tag]);
const level = (c: typeof c1) =>
  kubectlOn(env, c, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LEVEL}', '--ignore-not-found']);
const inventory = (c: typeof c1) =>
  kubectlOn(env, c, [
    'get',
    'configmap',
    `inventory-${web}`,
    '-n',
    'drover-system',
    '-o',
    'name',
    '--ignore-not-found',
  ]);

/** The refusal a verb exited with: exit code 5, both digests named, its data as recorded. */
function expectMoved(r: Awaited<ReturnType<typeof drover>>, version: string, recorded: string, found: string): void {
  expect(r.code, r.stdout + r.stderr).toBe(5);
  const e = r.json.error as { code: string; message: string; data: Record<string, unknown> };
  expect(e.code).toBe('E_CONFLICT');
  expect(e.message).toContain(recorded);
  expect(e.message).toContain(found);
  expect(e.data).toMatchObject({ reason: 'VersionTagMoved', bundle: web, version, recorded, found });
}

beforeAll(async () => {
  drop = await createNamespace(env, ns, [c1, c2]);
  const seed = join(scratch, 'seed');
  writeApp(seed, 'one');
  const url = await createRepo(env.git, { name: uniqueName('vdig'), fixtureDir: seed });
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  ws = join(scratch, 'ws');
  mkdirSync(ws);
  writeTestConfig(env, ws, {
    clusters: [c1, c2],
    // Never polled: the test cuts with the CLI.
    sources: [{ name: 'apps', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${env.registry.host}/${prefix}`,
    environments: [
      { name: 'dev', clusters: ['c1'], timeoutSeconds: 120 },
      { name: 'prod', clusters: ['c2'], promotion: { mode: 'manual' }, timeoutSeconds: 120 },
    ],
  });
  drover = droverCli(ws);
  expect((await drover(['cut'])).code).toBe(0);
  writeApp(work, 'two');
  await git(work, ['add', '-A']);
  await git(work, ['commit', '--quiet', '-m', 'fix: web logs at level two']);
  await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
  expect((await drover(['cut'])).json.cut.map((c: { version: string }) => c.version)).toEqual(['1.0.1']);
  const d = await drover(['deploy', `${web}@1.0.1`, '--env', 'dev']);
  expect(d.code, d.stdout + d.stderr).toBe(0);
  digests['1.0.0'] = await tagDigest('1.0.0');
  digests['1.0.1'] = await tagDigest('1.0.1');
  expect(digests['1.0.0']).not.toBe(digests['1.0.1']);
  // Someone else swaps the two immutable version tags: each still names a valid Drover version of the bundle.
  await orasTag(digests['1.0.0'], '1.0.1');
  await orasTag(digests['1.0.1'], '1.0.0');
  expect(await tagDigest('1.0.1')).toBe(digests['1.0.0']);
}, 240_000);

afterAll(async () => {
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('versions by the digest recorded at cut', () => {
  it('the 1.0.1 tag re-pointed with oras to another artifact: promote refuses, naming both digests, and nothing reaches prod', async () => {
    const r = await drover(['promote', web, '--to', 'prod']);
    expectMoved(r, '1.0.1', digests['1.0.1']!, digests['1.0.0']!);
    expect(r.json.error.message).toContain(`${web}@1.0.1`);
    expect(await hasTag('prod')).toBe(false);
    expect(await inventory(c2)).toBe('');
    expect(await level(c2)).toBe('');
  });

  it('deploy of the moved version and rollback --to the other moved one refuse the same way; dev stays on 1.0.1', async () => {
    expectMoved(
      await drover(['deploy', `${web}@1.0.1`, '--env', 'dev']),
      '1.0.1',
      digests['1.0.1']!,
      digests['1.0.0']!,
    );
    expectMoved(
      await drover(['rollback', web, '--env', 'dev', '--to', '1.0.0']),
      '1.0.0',
      digests['1.0.0']!,
      digests['1.0.1']!,
    );
    expect(await tagDigest('dev')).toBe(digests['1.0.1']);
    expect(await level(c1)).toBe('two');
  });

  it('diff between the versions refuses', async () => {
    const r = await drover(['diff', `${web}@1.0.0`, `${web}@1.0.1`]);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.json.error.data.reason).toBe('VersionTagMoved');
  });

  it("drover serve's API promote, the call the dashboard's promote action makes, answers 409 with the same refusal", async () => {
    const daemon = await startDaemon({
      config: join(ws, 'drover.yaml'),
      cwd: ws,
      env: { DROVER_API_TOKEN: token },
      token,
    });
    try {
      await daemon.until(
        'serve ready (recovery done)',
        async () => (await fetch(`${daemon.base()}/readyz`)).ok,
        60_000,
      );
      const res = await fetch(`${daemon.base()}/api/v1/promote`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ bundle: web, to: 'prod' }),
      });
      const body = (await res.json()) as { error: { code: string; message: string; data: Record<string, unknown> } };
      expect(res.status, JSON.stringify(body)).toBe(409);
      expect(body.error.message).toContain(digests['1.0.1']);
      expect(body.error.message).toContain(digests['1.0.0']);
      expect(body.error.data).toMatchObject({
        reason: 'VersionTagMoved',
        version: '1.0.1',
        recorded: digests['1.0.1'],
        found: digests['1.0.0'],
      });
    } finally {
      await daemon.kill();
    }
    expect(await hasTag('prod')).toBe(false);
  }, 120_000);

  it('with the tags put back, promote goes through and prod runs what was cut as 1.0.1', async () => {
    await orasTag(digests['1.0.0']!, '1.0.0');
    await orasTag(digests['1.0.1']!, '1.0.1');
    const r = await drover(['promote', web, '--to', 'prod']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.digest).toBe(digests['1.0.1']);
    expect(await tagDigest('prod')).toBe(digests['1.0.1']);
    expect(await level(c2)).toBe('two');
  }, 120_000);
});
