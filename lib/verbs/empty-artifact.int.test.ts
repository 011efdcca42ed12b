// Empty is never silent (issue #24, item 6; issue #27), where Drover meets
// an artifact it did not cut, with signatures on: web@1.0.0 (ConfigMap,
// Deployment, Service), cut signed by the hub's key, runs healthy in dev
// (c1, requireSignatures), then someone builds by hand, with the real ORAS
// CLI, an empty version of web in Drover's artifact format (artifactType,
// config and layer media types of lib/bundle/pack.ts; a config naming the
// bundle and a version with no members and no policy, so no allowEmpty; one
// empty tar.gz layer), pushes it to web's repository and tags it `dev`.
// `drover serve` follows the moved tag, as it follows any channel tag moved
// outside Drover: the artifact passes the channel's check (it is in the
// format of a version of web), and the rollout refuses it before any apply
// (NotCutHere: a digest this hub never cut; it is unsigned too). Every
// object of web stays as it was (same uid and resourceVersion), the
// inventory still records 1.0.0, the refusal is journaled once (not retried
// with each poll) and counted, and status says why the tag is not followed.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BUNDLE_ARTIFACT_TYPE, BUNDLE_CONFIG_MEDIA_TYPE, BUNDLE_LAYER_MEDIA_TYPE } from '../bundle/pack.ts';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { openState } from '../state/open.ts';
import { listRollouts, type RolloutRecord } from '../state/rollouts.ts';
import { droverCli } from '../../fixtures/testenv/drover-cli.ts';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import { appDeployment } from '../../fixtures/testenv/manifests.ts';
import { orasCli } from '../../fixtures/testenv/oras.ts';
import { type Daemon, startDaemon } from '../../fixtures/testenv/serve-daemon.ts';
import { createNamespace, kubectlOn, objectSnapshot, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
const scratch = mkdtempSync(join(tmpdir(), 'drover-empty-artifact-'));
const ns = uniqueName('empty');
const prefix = uniqueName('empty');
// Bundle names are cluster-wide (the inventory is drover-system/inventory-<bundle>): unique per run.
const web = uniqueName('web');
const repo = `${env.registry.host}/${prefix}/${web}`;
const token = `tok-${uniqueName('empty')}-${uniqueName('x')}`;
const members = [`ConfigMap/${ns}/web-config`, `Deployment/${ns}/web`, `Service/${ns}/web`];
const oras = orasCli(scratch);
let ws: string;
let drop: () => Promise<void>;
let daemon: Daemon | undefined;
let drover: ReturnType<typeof droverCli>;

function writeApp(dir: string): void {
  mkdirSync(join(dir, 'apps'), { recursive: true });
  const docs = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: web },
      spec: { roots: [{ kind: 'Deployment', namespace: ns, name: 'web' }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: ns }, data: { LEVEL: 'one' } },
    appDeployment({ name: 'web', namespace: ns, configMap: 'web-config' }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: ns },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ];
  writeFileSync(join(dir, 'apps', 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
}

const k = (args: string[]) => kubectlOn(env, c1, args);
/** `Kind/ns/name` -> `uid resourceVersion` of every member ('' when absent). */
const snapshot = () => objectSnapshot(env, c1, members);
async function inventory(): Promise<{
  current: { version: string; members: unknown[] } | null;
  pending: unknown;
  entries: unknown[];
}> {
  const cm = JSON.parse(await k(['get', 'configmap', `inventory-${web}`, '-n', 'drover-system', '-o', 'json'])) as {
    data: Record<string, string>;
  };
  return {
    current: JSON.parse(cm.data.current!),
    pending: JSON.parse(cm.data.pending!),
    entries: JSON.parse(cm.data.entries!),
  };
}
const tagDigest = async (tag: string) => (await oras(['resolve', '--plain-http', `${repo}:${tag}`])).trim();

/**
 * The empty version, built by hand as someone outside Drover would: an empty
 * tar.gz made by `tar`, a config written as JSON, pushed with `oras push`
 * under a scratch tag; resolves to its digest.
 */
async function pushEmptyVersion(): Promise<string> {
  const dir = join(scratch, 'hand-built');
  mkdirSync(dir);
  await promisify(execFile)('tar', ['-czf', join(dir, 'empty.tar.gz'), '-T', '/dev/null']);
  const config = {
    name: web,
    version: '1.0.1',
    members: [],
    provenance: {
      source: 'hand-built',
      commit: '0000000000000000000000000000000000000000',
      changedPaths: [],
      author: 'Someone Else <someone@example.com>',
      commitTime: '2026-01-01T00:00:00Z',
      parent: '1.0.0',
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  await oras(
    [
      'push',
      '--plain-http',
      '--artifact-type',
      BUNDLE_ARTIFACT_TYPE,
      '--config',
      `config.json:${BUNDLE_CONFIG_MEDIA_TYPE}`,
      `${repo}:hand-empty`,
      `empty.tar.gz:${BUNDLE_LAYER_MEDIA_TYPE}`,
    ],
    { cwd: dir },
  );
  const manifest = JSON.parse(await oras(['manifest', 'fetch', '--plain-http', `${repo}:hand-empty`])) as {
    artifactType: string;
    config: { mediaType: string };
    layers: { mediaType: string }[];
  };
  expect(manifest).toMatchObject({
    artifactType: BUNDLE_ARTIFACT_TYPE,
    config: { mediaType: BUNDLE_CONFIG_MEDIA_TYPE },
    layers: [{ mediaType: BUNDLE_LAYER_MEDIA_TYPE }],
  });
  return tagDigest('hand-empty');
}

let before: Record<string, string>;
let v100: string;
let empty: string;

beforeAll(async () => {
  drop = await createNamespace(env, ns, [c1]);
  const seed = join(scratch, 'seed');
  writeApp(seed);
  const url = await createRepo(env.git, { name: uniqueName('empty'), fixtureDir: seed });
  ws = join(scratch, 'ws');
  mkdirSync(ws);
  writeTestConfig(env, ws, {
    clusters: [c1],
    // Never polled: the test cuts with the CLI, so only the tag moves dev.
    sources: [{ name: 'apps', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${env.registry.host}/${prefix}`,
    environments: [{ name: 'dev', clusters: ['c1'], timeoutSeconds: 60, requireSignatures: true }],
    signing: { keyFile: 'keys/drover.key' },
    serve: { channels: { pollSeconds: 1 } },
  });
  drover = droverCli(ws);
  expect((await drover(['keys', 'generate', '--dir', join(ws, 'keys')])).code).toBe(0);
  const cut = await drover(['cut']);
  expect(cut.code, cut.stderr).toBe(0);
  expect(cut.json.cut).toEqual([expect.objectContaining({ version: '1.0.0', signedBy: expect.any(String) })]);
  const d = await drover(['deploy', `${web}@1.0.0`, '--env', 'dev']);
  expect(d.code, d.stdout + d.stderr).toBe(0);
  v100 = await tagDigest('1.0.0');
  expect(await tagDigest('dev')).toBe(v100);
  expect((await inventory()).current?.version).toBe('1.0.0');
  empty = await pushEmptyVersion();
  expect(empty).not.toBe(v100);
  before = await snapshot();
  for (const ref of members) expect(before[ref], ref).toMatch(/^\S+ \d+$/);
  daemon = await startDaemon({ config: join(ws, 'drover.yaml'), cwd: ws, env: { DROVER_API_TOKEN: token }, token });
  await daemon.until('serve ready (recovery done)', async () => (await fetch(`${daemon!.base()}/readyz`)).ok, 60_000);
}, 240_000);

afterAll(async () => {
  await daemon?.kill();
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

interface Release {
  id: number;
  cluster: string;
  version: string;
  digest: string;
  state: string;
  reason: string | null;
}

/** The rollout journal of a bundle, read from the state file serve writes (WAL: a reader beside it is fine). */
function journaled(bundle: string): RolloutRecord[] {
  const db = openState({ path: join(ws, '.drover', 'state.db') });
  try {
    return listRollouts(db, { bundle, limit: 100 });
  } finally {
    db.close();
  }
}
interface Row {
  bundle: string;
  cluster: string;
  sync: string | null;
  syncReason: string | null;
}

describe('a hand-built empty artifact without allowEmpty, tagged for dev with the oras CLI, signatures on', () => {
  it('is followed by drover serve and refused before any apply (NotCutHere); nothing of web is deleted, and the refusal is journaled once', async () => {
    const d = daemon!;
    const mark = d.lines.length;
    await oras(['tag', '--plain-http', `${repo}@${empty}`, 'dev']);
    // Not refused by the channel's check: it is in the format of a version of web, and serve tries to release it.
    await d.line(
      (l) => String(l.msg).startsWith(`channel tag dev of ${web} moved to 1.0.1 outside Drover: releasing it`),
      { after: mark, timeoutMs: 60_000 },
    );
    await d.line((l) => String(l.msg).startsWith(`channel tag dev of ${web} refused:`) && l.reason === 'not-cut-here', {
      after: mark,
      timeoutMs: 60_000,
    });
    const rollouts = () => journaled(web).filter((x) => x.digest === empty);
    const refused = rollouts();
    expect(refused).toEqual([
      expect.objectContaining({
        outcome: 'refused',
        failures: [
          {
            error: expect.objectContaining({
              reason: 'NotCutHere',
              message: expect.stringContaining(`${web}@1.0.1 (${empty}) is not a version this hub cut`),
            }),
          },
        ],
      }),
    ]);
    // No release was even planned: nothing was pulled for applying.
    const releases = (await d.api(`/api/v1/releases?bundle=${web}&limit=100`)).json as Release[];
    expect(releases.filter((r) => r.digest === empty)).toEqual([]);
    expect(await d.metric('drover_verify_refused_total{reason="not-cut-here"}')).toBe(1);
    expect(await d.metric(`drover_channel_refused{bundle="${web}",environment="dev",reason="not-cut-here"}`)).toBe(1);

    // Nothing was deleted or written: every object as it was, the inventory on 1.0.0 with nothing pending.
    expect(await snapshot()).toEqual(before);
    const inv = await inventory();
    expect(inv.current?.version).toBe('1.0.0');
    expect(inv.current?.members).toHaveLength(3);
    expect(inv.pending).toBeNull();
    expect(inv.entries).toHaveLength(3);

    // Status says why c1 does not run what the tag names.
    const rows = ((await d.api('/api/v1/status')).json as Row[]).filter((r) => r.bundle === web);
    expect(rows).toEqual([
      expect.objectContaining({
        cluster: 'c1',
        sync: 'out-of-sync',
        syncReason: expect.stringContaining('NotCutHere'),
      }),
    ]);

    // Polled every second, the refused tag is asked again without another rollout: one journal row, one count.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(rollouts()).toHaveLength(1);
    expect(await d.metric('drover_verify_refused_total{reason="not-cut-here"}')).toBe(1);
    expect(await snapshot()).toEqual(before);
    expect(await tagDigest('dev')).toBe(empty);
  }, 180_000);
});
