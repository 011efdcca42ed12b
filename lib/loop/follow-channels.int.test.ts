// Channel tags are the desired state (issue #14), end to end: `drover serve`
// as a real process, the real registry and ORAS CLI, three real clusters
// (dev: c1; prod: c2 and c3, promotion manual, so only the tag moves prod).
// - `oras tag web:1.0.0 prod` while serve runs: both prod clusters converge
//   to 1.0.0 whole with no Drover command; status shows them in sync.
// - the tag moved to an unrelated artifact (`oras push`) and to another
//   bundle's version (`oras copy`): refused, nothing changes on the clusters,
//   status and /metrics say why.
// - the tag moved while serve is stopped: on start it converges prod.
// - the tag moved to a version that crash-loops: rolled back whole on both
//   prod clusters, quarantined there, and the tag returns to what runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { appDeployment, KWOK_CRASH_LABEL } from '../../fixtures/testenv/manifests.ts';
import { droverCli } from '../../fixtures/testenv/drover-cli.ts';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { orasCli } from '../../fixtures/testenv/oras.ts';
import { type Daemon, startDaemon } from '../../fixtures/testenv/serve-daemon.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const env = testEnv();
const [c1, c2, c3] = env.clusters as [
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
];
const prodClusters = [c2, c3];
const scratch = mkdtempSync(join(tmpdir(), 'drover-follow-'));
const ns = uniqueName('follow');
const prefix = uniqueName('follow');
const web = uniqueName('web');
const api = uniqueName('api');
const token = `tok-${uniqueName('api')}-${uniqueName('x')}`;
const repo = (bundle: string) => `${env.registry.host}/${prefix}/${bundle}`;
let work: string;
let ws: string;
let drop: () => Promise<void>;
let daemon: Daemon | undefined;
const oras = orasCli(scratch);
let drover: ReturnType<typeof droverCli>;

function writeApp(dir: string, { level, failing = false }: { level: string; failing?: boolean }): void {
  mkdirSync(join(dir, 'apps'), { recursive: true });
  const app = (name: string, lvl: string, fail: boolean) => [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: name === 'web' ? web : api },
      spec: { roots: [{ kind: 'Deployment', namespace: ns, name }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-config`, namespace: ns }, data: { LEVEL: lvl } },
    appDeployment({ name, namespace: ns, configMap: `${name}-config`, failing: fail }),
  ];
  writeFileSync(
    join(dir, 'apps', 'web.yaml'),
    app('web', level, failing)
      .map((d) => stringify(d))
      .join('---\n'),
  );
  writeFileSync(
    join(dir, 'apps', 'api.yaml'),
    app('api', 'info', false)
      .map((d) => stringify(d))
      .join('---\n'),
  );
}

async function commit(message: string, spec: { level: string; failing?: boolean }): Promise<void> {
  writeApp(work, spec);
  await git(work, ['add', '-A']);
  await git(work, ['commit', '--quiet', '-m', message]);
  await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
}

const startServe = async () =>
  (daemon = await startDaemon({ config: join(ws, 'drover.yaml'), cwd: ws, env: { DROVER_API_TOKEN: token }, token }));
const stopServe = async () => {
  daemon!.proc.kill('SIGTERM');
  expect((await daemon!.exited).code).toBe(0);
  daemon = undefined;
};
const inventoryVersion = async (c: typeof c1) => {
  const inv = JSON.parse(
    await kubectlOn(env, c, ['get', 'configmap', `inventory-${web}`, '-n', 'drover-system', '-o', 'json']),
  ) as { data: { current: string; pending: string } };
  return {
    current: (JSON.parse(inv.data.current) as { version: string }).version,
    pending: JSON.parse(inv.data.pending) as unknown,
  };
};
const level = (c: typeof c1) =>
  kubectlOn(env, c, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LEVEL}']);
const tagDigest = async (tag: string) => (await oras(['resolve', '--plain-http', `${repo(web)}:${tag}`])).trim();
const prodRuns = async (version: string) =>
  (await Promise.all(prodClusters.map(inventoryVersion))).every((i) => i.current === version && i.pending === null);

interface Row {
  bundle: string;
  cluster: string;
  running: string | null;
  environment: string | null;
  tag: { name: string; version: string | null; digest: string | null } | null;
  sync: string | null;
  syncReason: string | null;
}
const prodRows = async () =>
  ((await daemon!.api('/api/v1/status')).json as Row[]).filter((r) => r.bundle === web && r.environment === 'prod');
const releasesOnProd = async () =>
  ((await daemon!.api(`/api/v1/releases?bundle=${web}&limit=1000`)).json as { cluster: string }[]).filter(
    (r) => r.cluster !== 'c1',
  ).length;

beforeAll(async () => {
  drop = await createNamespace(env, ns);
  const seed = join(scratch, 'seed');
  writeApp(seed, { level: 'one' });
  const url = await createRepo(env.git, { name: uniqueName('follow'), fixtureDir: seed });
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  ws = join(scratch, 'ws');
  mkdirSync(ws);
  writeTestConfig(env, ws, {
    // Never polled: the test cuts with the CLI, so only the tags move prod.
    sources: [{ name: 'apps', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${env.registry.host}/${prefix}`,
    environments: [
      { name: 'dev', clusters: ['c1'], timeoutSeconds: 120 },
      { name: 'prod', clusters: ['c2', 'c3'], promotion: { mode: 'manual' }, timeoutSeconds: 120 },
    ],
    serve: { channels: { pollSeconds: 1 } },
  });
  drover = droverCli(ws);
  // Before serve: 1.0.0 to prod, then 1.0.1 promoted there, each moving the tag.
  expect((await drover(['cut'])).code).toBe(0);
  expect((await drover(['deploy', `${web}@1.0.0`, '--env', 'prod'])).code).toBe(0);
  expect((await drover(['deploy', `${api}@1.0.0`, '--env', 'prod'])).code).toBe(0);
  await commit('fix: web logs at level two', { level: 'two' });
  expect(
    (await drover(['cut'])).json.cut.map((c: { bundle: string; version: string }) => `${c.bundle}@${c.version}`),
  ).toEqual([`${web}@1.0.1`]);
  const p = await drover(['promote', web, '--to', 'prod', '--version', '1.0.1']);
  expect(p.code, p.stderr).toBe(0);
  expect(p.json.channel.to).toBe(await tagDigest('1.0.1'));
  await startServe();
}, 240_000);

afterAll(async () => {
  await daemon?.kill();
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('channel tags as desired state', () => {
  it('oras tag prod back to 1.0.0: both prod clusters converge to 1.0.0 whole with no Drover command, and status shows them in sync', async () => {
    const d = daemon!;
    await d.until(
      'prod in sync on 1.0.1',
      async () =>
        (await prodRows()).length === 2 &&
        (await prodRows()).every((r) => r.sync === 'in-sync' && r.tag?.version === '1.0.1'),
    );
    // The loop has looked at the tag once it reports it in sync.
    await d.until(
      'the loop sees prod in sync',
      async () => (await d.metric(`drover_channel_in_sync{bundle="${web}",environment="prod"}`)) === 1,
    );

    await oras(['tag', '--plain-http', `${repo(web)}:1.0.0`, 'prod']);
    await d.until('prod on 1.0.0', () => prodRuns('1.0.0'), 120_000);
    for (const c of prodClusters) expect((await level(c)).trim()).toBe('one');
    // dev is not prod: it keeps the newest version.
    expect((await inventoryVersion(c1)).current).toBe('1.0.1');
    const rows = await d.until('status in sync on 1.0.0', async () => {
      const r = await prodRows();
      return r.every((x) => x.sync === 'in-sync' && x.running === '1.0.0' && x.tag?.version === '1.0.0') && r;
    });
    expect(rows.map((r) => [r.cluster, r.tag?.name, r.tag?.digest])).toEqual(
      prodClusters.map((c) => [c.name, 'prod', expect.stringMatching(/^sha256:/)]),
    );
    expect(await d.metric(`drover_channel_follows_total{bundle="${web}",environment="prod",result="healthy"}`)).toBe(1);
    // Moved back: automation does not promote 1.0.1 straight back.
    const q = (await d.api(`/api/v1/quarantine?bundle=${web}`)).json as {
      version: string;
      environment: string;
      reason: string;
    }[];
    expect(q).toEqual([
      expect.objectContaining({
        version: '1.0.1',
        environment: 'prod',
        reason: expect.stringContaining('moved back to 1.0.0 outside Drover'),
      }),
    ]);
    // The CLI says the same.
    const cli = await drover(['status']);
    expect(
      cli.json
        .filter((r: Row) => r.bundle === web && r.environment === 'prod')
        .map((r: Row) => [r.cluster, r.running, r.tag?.version, r.sync]),
    ).toEqual(prodClusters.map((c) => [c.name, '1.0.0', '1.0.0', 'in-sync']));
  });

  it("the tag moved to an unrelated artifact or to another bundle's version: refused, nothing changes on the clusters, status and /metrics say why", async () => {
    const d = daemon!;
    const before = await releasesOnProd();
    const configs = await Promise.all(
      prodClusters.map((c) =>
        kubectlOn(env, c, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.metadata.resourceVersion}']),
      ),
    );
    writeFileSync(join(scratch, 'notes.txt'), 'not a bundle\n');
    await oras([
      'push',
      '--plain-http',
      '--artifact-type',
      'application/vnd.example.notes',
      `${repo(web)}:notes`,
      'notes.txt',
    ]);
    await oras(['tag', '--plain-http', `${repo(web)}:notes`, 'prod']);
    await d.until(
      'refused as artifact-type',
      async () =>
        (await d.metric(`drover_channel_refused{bundle="${web}",environment="prod",reason="artifact-type"}`)) === 1,
    );
    expect(await d.metric(`drover_channel_in_sync{bundle="${web}",environment="prod"}`)).toBe(0);
    const rows = await prodRows();
    expect(rows.map((r) => [r.running, r.sync])).toEqual([
      ['1.0.0', 'out-of-sync'],
      ['1.0.0', 'out-of-sync'],
    ]);
    for (const r of rows)
      expect(r.syncReason).toMatch(/refused \(artifact-type\).*artifactType is "application\/vnd\.example\.notes"/);
    const line = await d.line((l) => l.bundle === web && l.environment === 'prod' && l.reason === 'artifact-type');
    expect([line.level, line.msg]).toEqual([
      'error',
      expect.stringMatching(new RegExp(`^channel tag prod of ${web} refused: .*nothing of it is applied$`)),
    ]);
    // Said once, not on every poll.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(d.lines.filter((l) => l.bundle === web && l.reason === 'artifact-type')).toHaveLength(1);

    // Another bundle's real version, copied into web's repository.
    await oras(['copy', '--from-plain-http', '--to-plain-http', `${repo(api)}:1.0.0`, `${repo(web)}:${api}-copy`]);
    await oras(['tag', '--plain-http', `${repo(web)}:${api}-copy`, 'prod']);
    await d.until(
      'refused as other-bundle',
      async () =>
        (await d.metric(`drover_channel_refused{bundle="${web}",environment="prod",reason="other-bundle"}`)) === 1,
    );
    expect(
      await d.metric(`drover_channel_refused{bundle="${web}",environment="prod",reason="artifact-type"}`),
    ).toBeUndefined();
    for (const r of await prodRows()) expect(r.syncReason).toContain(`is a version of "${api}"`);

    // Nothing was released or changed on prod.
    expect(await releasesOnProd()).toBe(before);
    for (const c of prodClusters) expect(await inventoryVersion(c)).toEqual({ current: '1.0.0', pending: null });
    expect(
      await Promise.all(
        prodClusters.map((c) =>
          kubectlOn(env, c, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.metadata.resourceVersion}']),
        ),
      ),
    ).toEqual(configs);
    expect(await d.metric(`drover_channel_follows_total{bundle="${web}",environment="prod",result="refused"}`)).toBe(2);

    // Put back: in sync again, nothing refused.
    await oras(['tag', '--plain-http', `${repo(web)}:1.0.0`, 'prod']);
    await d.until(
      'in sync again',
      async () => (await d.metric(`drover_channel_in_sync{bundle="${web}",environment="prod"}`)) === 1,
    );
    expect(
      await d.metric(`drover_channel_refused{bundle="${web}",environment="prod",reason="other-bundle"}`),
    ).toBeUndefined();
    expect(await releasesOnProd()).toBe(before);
  });

  it('the tag moved while serve is stopped: on start it converges prod', async () => {
    await stopServe();
    await commit('fix: web logs at level three', { level: 'three' });
    expect((await drover(['cut'])).json.cut.map((c: { version: string }) => c.version)).toEqual(['1.0.2']);
    const v102 = await tagDigest('1.0.2');
    await oras(['tag', '--plain-http', `${repo(web)}:1.0.2`, 'prod']);
    const d = await startServe();
    await d.until('prod on 1.0.2', () => prodRuns('1.0.2'), 120_000);
    for (const c of prodClusters) expect((await level(c)).trim()).toBe('three');
    expect(await tagDigest('prod')).toBe(v102);
    await d.until('status in sync on 1.0.2', async () =>
      (await prodRows()).every((r) => r.sync === 'in-sync' && r.tag?.version === '1.0.2'),
    );
  });

  it('the tag moved to a version that crash-loops: rolled back whole on both prod clusters, quarantined there, and the tag returns to what runs', async () => {
    const d = daemon!;
    await commit('fix: web crash-loops', { level: 'four', failing: true });
    expect((await drover(['cut'])).json.cut.map((c: { version: string }) => c.version)).toEqual(['1.0.3']);
    const v102 = await tagDigest('1.0.2');
    const mark = d.lines.length;
    await oras(['tag', '--plain-http', `${repo(web)}:1.0.3`, 'prod']);
    await d.line((l) => String(l.msg).startsWith(`${web}@1.0.3 failed in prod and was rolled back whole`), {
      after: mark,
      timeoutMs: 180_000,
    });
    // The tag names what runs again, and both clusters run 1.0.2 whole.
    expect(await tagDigest('prod')).toBe(v102);
    for (const c of prodClusters) {
      expect(await inventoryVersion(c)).toEqual({ current: '1.0.2', pending: null });
      expect((await level(c)).trim()).toBe('three');
      expect(await kubectlOn(env, c, ['get', 'pods', '-n', ns, '-l', KWOK_CRASH_LABEL, '-o', 'name'])).toBe('');
    }
    const prodReleases = (
      (await d.api(`/api/v1/releases?bundle=${web}&limit=1000`)).json as {
        cluster: string;
        version: string;
        state: string;
      }[]
    ).filter((r) => r.version === '1.0.3' && r.cluster !== 'c1');
    expect(prodReleases.some((r) => r.state === 'rolled-back')).toBe(true);
    expect(prodReleases.every((r) => ['rolled-back', 'reverted', 'succeeded'].includes(r.state))).toBe(true);
    const q = (await d.api(`/api/v1/quarantine?bundle=${web}`)).json as {
      version: string;
      environment: string;
      reason: string;
    }[];
    expect(q).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          version: '1.0.3',
          environment: 'prod',
          reason: expect.stringContaining('the rollout failed and was rolled back'),
        }),
      ]),
    );
    expect(await d.metric(`drover_channel_follows_total{bundle="${web}",environment="prod",result="failed"}`)).toBe(1);
    await d.until('status in sync on 1.0.2', async () =>
      (await prodRows()).every((r) => r.sync === 'in-sync' && r.tag?.version === '1.0.2'),
    );
    // Not tried again: the tag names 1.0.2, and 1.0.3 is quarantined in prod for automation.
    const n = await releasesOnProd();
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await releasesOnProd()).toBe(n);
  });
});
