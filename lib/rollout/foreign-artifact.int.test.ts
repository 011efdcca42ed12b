// A genuine artifact of another Drover, tagged for an environment by hand
// (issue #27): another Drover workspace (its own Git repository, registry
// prefix, state and signing key) cuts a bundle of the same name, `web`,
// whose only member is a ClusterRoleBinding granting cluster-admin to the
// ServiceAccount default of the namespace. It is copied with the real ORAS
// CLI into this workspace's `web` repository as 6.6.6 and tagged `prod`
// (two clusters, requireSignatures) and then `dev` (no requireSignatures),
// while this hub's `drover serve` follows its channel tags. Each time the
// hub refuses it before any object is applied (NotCutHere: a digest it
// never cut, whatever its format and its own valid signature say): the
// ClusterRoleBinding exists on no cluster, what runs is untouched, the
// journal holds one refused rollout with the reason, and status,
// /metrics (`drover_verify_refused_total{reason}`, `drover_channel_refused`)
// and the dashboard say why. `drover deploy` of that digest is refused the
// same way (exit 5). Last, a version this hub cut unsigned (1.0.1) tagged
// prod is refused by the signature gate (`unsigned`), held without a
// rollout per poll, and followed once `drover keys sign` signs it.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { droverCli } from '../../fixtures/testenv/drover-cli.ts';
import { orasCli } from '../../fixtures/testenv/oras.ts';
import { type Daemon, startDaemon } from '../../fixtures/testenv/serve-daemon.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { openState } from '../state/open.ts';
import { listRollouts, type RolloutRecord } from '../state/rollouts.ts';

const env = testEnv();
const [c1, c2, c3] = env.clusters as [
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
  (typeof env.clusters)[number],
];
const scratch = mkdtempSync(join(tmpdir(), 'drover-foreign-'));
const ns = uniqueName('foreign');
// Bundle names are cluster-wide (the inventory is drover-system/inventory-<bundle>): unique per run, the same in both workspaces.
const web = uniqueName('web');
const binding = uniqueName('foreign-admin');
const ours = { dir: join(scratch, 'ours'), prefix: uniqueName('ours') };
const theirs = { dir: join(scratch, 'theirs'), prefix: uniqueName('theirs') };
const repoOf = (prefix: string) => `${env.registry.host}/${prefix}/${web}`;
const token = `tok-${uniqueName('foreign')}-${uniqueName('x')}`;
const oras = orasCli(scratch);
const run = promisify(execFile);
const drover = droverCli(ours.dir);
const other = droverCli(theirs.dir);
let drop: () => Promise<void>;
let daemon: Daemon | undefined;
let foreign: string;
let ourKey: string;

/** A workspace of its own: a Git repository with the given documents, a signing key, a drover.yaml. */
async function workspace(
  w: { dir: string; prefix: string },
  docs: unknown[],
  environments: unknown[],
  serve?: unknown,
): Promise<string> {
  const repo = join(w.dir, 'repo');
  mkdirSync(join(repo, 'apps'), { recursive: true });
  writeFileSync(join(repo, 'apps', 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  const git = (args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo });
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '-A']);
  await git(['commit', '-qm', 'first']);
  writeTestConfig(env, w.dir, {
    clusters: [c1, c2, c3],
    // Never polled: the test cuts with the CLI.
    sources: [{ name: 'apps', url: './repo', schedule: '0 0 1 1 *' }],
    registry: `oci://${env.registry.host}/${w.prefix}`,
    signing: { keyFile: 'keys/drover.key' },
    environments,
    ...(serve ? { serve } : {}),
  });
  const keys = await droverCli(w.dir)(['keys', 'generate', '--dir', join(w.dir, 'keys')]);
  expect(keys.code, keys.stderr).toBe(0);
  return keys.json.keyId as string;
}

const bindingOn = (c: typeof c1) =>
  kubectlOn(env, c, ['get', 'clusterrolebinding', binding, '-o', 'name']).then(
    () => 'present',
    () => 'absent',
  );
const level = (c: typeof c1) =>
  kubectlOn(env, c, ['get', 'configmap', 'web', '-n', ns, '-o', 'jsonpath={.data.LEVEL}']).then(
    (s) => s.trim(),
    () => 'absent',
  );
/** The rollout journal of web, read from the state file serve writes (WAL: a reader beside it is fine). */
function journaled(): RolloutRecord[] {
  const db = openState({ path: join(ours.dir, '.drover', 'state.db') });
  try {
    return listRollouts(db, { bundle: web, limit: 100 });
  } finally {
    db.close();
  }
}
interface Row {
  bundle: string;
  cluster: string;
  running: string | null;
  signedBy?: string | null;
  environment: string | null;
  sync: string | null;
  syncReason: string | null;
}

beforeAll(async () => {
  drop = await createNamespace(env, ns, [c1, c2, c3]);
  ourKey = await workspace(
    ours,
    [
      {
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Bundle',
        metadata: { name: web },
        spec: { roots: [{ kind: 'ConfigMap', namespace: ns, name: 'web' }] },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: ns }, data: { LEVEL: 'ours' } },
    ],
    [
      { name: 'dev', clusters: ['c1'], timeoutSeconds: 60 },
      { name: 'prod', clusters: ['c2', 'c3'], timeoutSeconds: 60, requireSignatures: true },
    ],
    { channels: { pollSeconds: 1 }, dashboard: { anonymousRead: true } },
  );
  await workspace(
    theirs,
    [
      {
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Bundle',
        metadata: { name: web },
        spec: { roots: [{ kind: 'ClusterRoleBinding', name: binding }] },
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: binding },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
      },
    ],
    [{ name: 'dev', clusters: ['c1'] }],
  );
  const [mine, theirCut] = await Promise.all([drover(['cut']), other(['cut'])]);
  expect(mine.code, mine.stderr).toBe(0);
  expect(theirCut.code, theirCut.stderr).toBe(0);
  // Theirs is a genuine, signed Drover version of a bundle named web: only its history is elsewhere.
  expect(theirCut.json.cut).toEqual([expect.objectContaining({ bundle: web, signedBy: expect.any(String) })]);
  for (const e of ['dev', 'prod']) {
    const d = await drover(['deploy', `${web}@1.0.0`, '--env', e]);
    expect(d.code, d.stdout + d.stderr).toBe(0);
  }
  // 1.0.1 cut here, by a config of the same state with no signing key: a version of this hub, unsigned.
  writeFileSync(
    join(ours.dir, 'repo', 'apps', 'web.yaml'),
    readFileSync(join(ours.dir, 'repo', 'apps', 'web.yaml'), 'utf8').replace('LEVEL: ours', 'LEVEL: two'),
  );
  await run('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'two'], {
    cwd: join(ours.dir, 'repo'),
  });
  const unsignedDir = join(scratch, 'ours-unsigned');
  mkdirSync(unsignedDir);
  writeTestConfig(env, unsignedDir, {
    clusters: [c1, c2, c3],
    sources: [{ name: 'apps', url: join(ours.dir, 'repo'), schedule: '0 0 1 1 *' }],
    registry: `oci://${env.registry.host}/${ours.prefix}`,
    state: join(ours.dir, '.drover', 'state.db'),
    environments: [
      { name: 'dev', clusters: ['c1'] },
      { name: 'prod', clusters: ['c2', 'c3'] },
    ],
  });
  const unsignedCut = await droverCli(unsignedDir)(['cut']);
  expect(unsignedCut.code, unsignedCut.stderr).toBe(0);
  expect(unsignedCut.json.cut).toEqual([expect.objectContaining({ version: '1.0.1', signedBy: null })]);
  // dev (no requireSignatures) runs the newest version, so serve's policy has nothing to deploy there.
  const dev = await drover(['deploy', `${web}@1.0.1`, '--env', 'dev']);
  expect(dev.code, dev.stdout + dev.stderr).toBe(0);
  await oras([
    'copy',
    '--from-plain-http',
    '--to-plain-http',
    `${repoOf(theirs.prefix)}:${theirCut.json.cut[0].version}`,
    `${repoOf(ours.prefix)}:6.6.6`,
  ]);
  foreign = (await oras(['resolve', '--plain-http', `${repoOf(ours.prefix)}:6.6.6`])).trim();
  expect(foreign).toBe(theirCut.json.cut[0].digest);
  daemon = await startDaemon({
    config: join(ours.dir, 'drover.yaml'),
    cwd: ours.dir,
    env: { DROVER_API_TOKEN: token },
    token,
  });
  await daemon.until('serve ready (recovery done)', async () => (await fetch(`${daemon!.base()}/readyz`)).ok, 60_000);
}, 180_000);

afterAll(async () => {
  await daemon?.kill();
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe("another Drover's version, copied in with oras and tagged for an environment", () => {
  it('prod (requireSignatures): refused before any apply, NotCutHere in the journal, status, /metrics and the dashboard', async () => {
    const d = daemon!;
    const mark = d.lines.length;
    await oras(['tag', '--plain-http', `${repoOf(ours.prefix)}:6.6.6`, 'prod']);
    await d.line(
      (l) =>
        String(l.msg).startsWith(`channel tag prod of ${web} refused:`) &&
        l.reason === 'not-cut-here' &&
        l.digest === foreign,
      { after: mark, timeoutMs: 60_000 },
    );
    const refused = journaled().filter((r) => r.digest === foreign);
    expect(refused).toEqual([
      expect.objectContaining({
        environment: 'prod',
        reason: 'follow',
        outcome: 'refused',
        failures: [
          {
            error: expect.objectContaining({
              reason: 'NotCutHere',
              message: expect.stringContaining(`(${foreign}) is not a version this hub cut`),
            }),
          },
        ],
      }),
    ]);
    for (const c of [c1, c2, c3]) expect(await bindingOn(c), c.name).toBe('absent');
    expect([await level(c2), await level(c3)]).toEqual(['ours', 'ours']);
    expect(await d.metric('drover_verify_refused_total{reason="not-cut-here"}')).toBe(1);
    expect(await d.metric(`drover_channel_refused{bundle="${web}",environment="prod",reason="not-cut-here"}`)).toBe(1);

    const rows = ((await d.api('/api/v1/status')).json as Row[]).filter(
      (r) => r.bundle === web && r.environment === 'prod',
    );
    // What runs is named with the key that verified it; the tag, with why it is not followed.
    expect(rows).toEqual([
      expect.objectContaining({ cluster: 'c2', running: '1.0.0', sync: 'out-of-sync', signedBy: ourKey }),
      expect.objectContaining({ cluster: 'c3', running: '1.0.0', sync: 'out-of-sync', signedBy: ourKey }),
    ]);
    for (const r of rows) expect(r.syncReason).toMatch(/refused \(NotCutHere\)/);
    const page = await fetch(`${d.base()}/`).then((r) => r.text());
    expect(page).toContain('refused: NotCutHere');
    const versionPage = await fetch(`${d.base()}/ui/bundles/${web}?version=1.0.0`).then((r) => r.text());
    expect(versionPage).toContain('data-signature="verified"');
    expect(versionPage).toContain(`signed by <code>${ourKey}</code>`);

    // Polled every second, the refused tag is asked again without another rollout: one journal row, one count.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(journaled().filter((r) => r.digest === foreign)).toHaveLength(1);
    expect(await d.metric('drover_verify_refused_total{reason="not-cut-here"}')).toBe(1);
    for (const c of [c2, c3]) expect(await bindingOn(c), c.name).toBe('absent');
  }, 90_000);

  it('dev (no requireSignatures): refused the same way, by serve and by drover deploy (exit 5)', async () => {
    const d = daemon!;
    const mark = d.lines.length;
    await oras(['tag', '--plain-http', `${repoOf(ours.prefix)}:6.6.6`, 'dev']);
    await d.line((l) => String(l.msg).startsWith(`channel tag dev of ${web} refused:`) && l.reason === 'not-cut-here', {
      after: mark,
      timeoutMs: 60_000,
    });
    expect(journaled().filter((r) => r.digest === foreign && r.environment === 'dev')).toEqual([
      expect.objectContaining({
        outcome: 'refused',
        failures: [{ error: expect.objectContaining({ reason: 'NotCutHere' }) }],
      }),
    ]);
    const deploy = await drover(['deploy', `${web}@${foreign}`, '--env', 'dev']);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(5);
    expect(deploy.json.outcome).toBe('refused');
    expect(JSON.stringify(deploy.json)).toContain('NotCutHere');
    expect(await bindingOn(c1)).toBe('absent');
    expect(await level(c1)).toBe('two');
    expect(await d.metric('drover_verify_refused_total{reason="not-cut-here"}')).toBe(2);
  }, 90_000);

  it('a version cut here but unsigned, tagged prod: refused (unsigned) and held, then followed once drover keys sign signs it', async () => {
    const d = daemon!;
    const mark = d.lines.length;
    await oras(['tag', '--plain-http', `${repoOf(ours.prefix)}:1.0.1`, 'prod']);
    await d.line((l) => String(l.msg).startsWith(`channel tag prod of ${web} refused:`) && l.reason === 'unsigned', {
      after: mark,
      timeoutMs: 60_000,
    });
    expect(await d.metric('drover_verify_refused_total{reason="unsigned"}')).toBe(1);
    expect(await d.metric(`drover_channel_refused{bundle="${web}",environment="prod",reason="unsigned"}`)).toBe(1);
    const refused = journaled().filter((r) => r.version === '1.0.1' && r.environment === 'prod');
    expect(refused).toEqual([expect.objectContaining({ outcome: 'refused' })]);
    expect(refused[0]!.failures).toEqual([
      {
        error: expect.objectContaining({
          reason: 'SignatureRefused',
          message: expect.stringContaining('refused before any apply in prod: unsigned'),
        }),
      },
    ]);
    const rows = ((await d.api('/api/v1/status')).json as Row[]).filter(
      (r) => r.bundle === web && r.environment === 'prod',
    );
    for (const r of rows) expect(r.syncReason).toMatch(/refused \(SignatureRefused\)/);
    expect([await level(c2), await level(c3)]).toEqual(['ours', 'ours']);

    const sign = await drover(['keys', 'sign', `${web}@1.0.1`]);
    expect(sign.code, sign.stderr).toBe(0);
    await d.until(
      'prod runs 1.0.1, signed',
      async () => (await level(c2)) === 'two' && (await level(c3)) === 'two',
      60_000,
    );
    // Asked again without a rollout while refused: one refused rollout, then the one that ran.
    expect(
      journaled()
        .filter((r) => r.version === '1.0.1' && r.environment === 'prod')
        .map((r) => r.outcome),
    ).toEqual(['healthy', 'refused']);
    expect(await d.metric('drover_verify_refused_total{reason="unsigned"}')).toBe(1);
    for (const c of [c2, c3]) expect(await bindingOn(c), c.name).toBe('absent');
  }, 90_000);
});
