// requireSignatures on a real cluster (issue #27): a version cut unsigned is
// refused by `drover deploy` before any object is applied (outcome refused,
// exit 5, the reason in the answer and the journal), and the same version
// deploys once `drover keys sign` has signed it; a version signed with the
// real `cosign sign --key` by a key drover.yaml does not trust is refused
// (`untrusted-key`), and deploys once a trusted cosign key signs it too.
// An environment's own `trustedKeys` replace drover.yaml's: a version
// re-signed with `cosign sign --key` by a key dev trusts deploys, one signed
// only by the hub's key (trusted by `signing`, not by dev) does not.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { COSIGN_SIGN_FLAGS, cosignCli } from '../../fixtures/testenv/cosign.ts';
import { configMapBundleYaml } from '../../fixtures/testenv/manifests.ts';
import { droverCli } from '../../fixtures/testenv/drover-cli.ts';
import { openState } from '../state/open.ts';
import { listRollouts } from '../state/rollouts.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
const scratch = mkdtempSync(join(tmpdir(), 'drover-sig-gate-'));
const repo = join(scratch, 'repo');
const ns = uniqueName('sgate');
const prefix = uniqueName('sgate');
const web = uniqueName('web');
const run = promisify(execFile);
let drop: () => Promise<void>;
const signed = droverCli(join(scratch, 'signed'));
const unsigned = droverCli(join(scratch, 'unsigned'));
const envKeys = droverCli(join(scratch, 'envkeys'));
const cosign = cosignCli(scratch);
const git = (args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo });

function writeApp(level: string): void {
  writeFileSync(join(repo, 'apps', 'web.yaml'), configMapBundleYaml({ bundle: web, namespace: ns, level }));
}

beforeAll(async () => {
  drop = await createNamespace(env, ns, [c1]);
  mkdirSync(join(repo, 'apps'), { recursive: true });
  writeApp('one');
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '-A']);
  await git(['commit', '-qm', 'one']);
  const common = {
    sources: [{ name: 'apps', url: repo }],
    registry: `oci://${env.registry.host}/${prefix}`,
    state: join(scratch, 'state.db'),
    clusters: [c1],
    environments: [{ name: 'dev', clusters: [c1.name], requireSignatures: true }],
  };
  for (const dir of ['signed', 'unsigned', 'envkeys', 'trusted', 'other', 'rotated']) mkdirSync(join(scratch, dir));
  writeTestConfig(env, join(scratch, 'signed'), {
    ...common,
    signing: { keyFile: join(scratch, 'keys', 'drover.key'), publicKeys: [join(scratch, 'trusted', 'cosign.pub')] },
  });
  writeTestConfig(env, join(scratch, 'unsigned'), common);
  // dev trusts its own keys (the one rotated out, and other's), not the hub's signing key.
  writeTestConfig(env, join(scratch, 'envkeys'), {
    ...common,
    signing: { keyFile: join(scratch, 'keys', 'drover.key'), publicKeys: [join(scratch, 'trusted', 'cosign.pub')] },
    environments: [
      {
        name: 'dev',
        clusters: [c1.name],
        requireSignatures: true,
        trustedKeys: [join(scratch, 'rotated', 'cosign.pub'), join(scratch, 'other', 'cosign.pub')],
      },
    ],
  });
  expect((await signed(['keys', 'generate', '--dir', join(scratch, 'keys')])).code).toBe(0);
  for (const dir of ['trusted', 'other', 'rotated']) {
    const g = await cosign(['generate-key-pair', '--output-key-prefix', join(dir, 'cosign')]);
    expect(g.code, g.stderr).toBe(0);
  }
  const cut = await unsigned(['cut']);
  expect(cut.code, cut.stderr).toBe(0);
  expect(cut.json.cut).toEqual([expect.objectContaining({ version: '1.0.0', signedBy: null })]);
}, 120_000);
afterAll(async () => {
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

const level = () =>
  kubectlOn(env, c1, ['get', 'configmap', 'web', '-n', ns, '-o', 'jsonpath={.data.LEVEL}']).then(
    (s) => s.trim(),
    () => 'absent',
  );

describe('requireSignatures', () => {
  it('refuses an unsigned version before any apply, and deploys it once it is signed', async () => {
    const refused = await signed(['deploy', `${web}@1.0.0`, '--env', 'dev']);
    expect(refused.code, refused.stderr).toBe(5);
    expect(refused.json.outcome).toBe('refused');
    expect(JSON.stringify(refused.json)).toContain('SignatureRefused');
    expect(JSON.stringify(refused.json)).toMatch(/unsigned/);
    expect(await level()).toBe('absent');
    const db = openState({ path: join(scratch, 'state.db') });
    try {
      const [journaled] = listRollouts(db, { bundle: web, environment: 'dev' });
      expect(journaled).toMatchObject({ outcome: 'refused' });
      expect(JSON.stringify(journaled)).toMatch(/refused before any apply in dev: unsigned/);
    } finally {
      db.close();
    }

    const sign = await signed(['keys', 'sign', `${web}@1.0.0`]);
    expect(sign.code, sign.stderr).toBe(0);
    expect(sign.json.signed).toEqual([expect.objectContaining({ version: '1.0.0' })]);
    const deployed = await signed(['deploy', `${web}@1.0.0`, '--env', 'dev']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.json.outcome).toBe('healthy');
    expect(await level()).toBe('one');
  });

  it('refuses a version cosign signed with an untrusted key, and deploys it once a trusted cosign key signs it', async () => {
    writeApp('two');
    await git(['commit', '-qam', 'two']);
    const cut = await unsigned(['cut']);
    expect(cut.code, cut.stderr).toBe(0);
    const ref = `${env.registry.host}/${prefix}/${web}@${cut.json.cut[0].digest}`;
    const other = await cosign(['sign', '--key', 'other/cosign.key', ...COSIGN_SIGN_FLAGS, ref]);
    expect(other.code, other.stderr).toBe(0);
    const refused = await signed(['deploy', `${web}@1.0.1`, '--env', 'dev']);
    expect(refused.code, refused.stderr).toBe(5);
    expect(JSON.stringify(refused.json)).toMatch(/untrusted-key/);
    expect(await level()).toBe('one');

    const trusted = await cosign(['sign', '--key', 'trusted/cosign.key', ...COSIGN_SIGN_FLAGS, ref]);
    expect(trusted.code, trusted.stderr).toBe(0);
    const deployed = await signed(['deploy', `${web}@1.0.1`, '--env', 'dev']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.json.outcome).toBe('healthy');
    expect(await level()).toBe('two');
  });

  it("verifies against the environment's trustedKeys: a key dev lists deploys, the hub's key alone does not", async () => {
    writeApp('three');
    await git(['commit', '-qam', 'three']);
    const cut = await unsigned(['cut']);
    expect(cut.code, cut.stderr).toBe(0);
    const ref = `${env.registry.host}/${prefix}/${web}@${cut.json.cut[0].digest}`;
    // Signed by the hub's key, which signing trusts and dev does not list.
    const hubSigned = await signed(['keys', 'sign', `${web}@1.0.2`]);
    expect(hubSigned.code, hubSigned.stderr).toBe(0);
    const refused = await envKeys(['deploy', `${web}@1.0.2`, '--env', 'dev']);
    expect(refused.code, refused.stderr).toBe(5);
    expect(JSON.stringify(refused.json)).toMatch(/untrusted-key/);
    expect(await level()).toBe('two');
    // drover verify --env says the same before anything is tried: dev's keys, and why not.
    const before = await envKeys(['verify', `${web}@1.0.2`, '--env', 'dev']);
    expect(before.code, before.stderr).toBe(11);
    expect(before.json).toMatchObject({ verified: false, reason: 'untrusted-key', environment: 'dev' });
    expect(before.json.trustedKeys).toHaveLength(2);
    // Re-signed with the real cosign CLI by a key dev lists, the same version deploys.
    const other = await cosign(['sign', '--key', 'other/cosign.key', ...COSIGN_SIGN_FLAGS, ref]);
    expect(other.code, other.stderr).toBe(0);
    const deployed = await envKeys(['deploy', `${web}@1.0.2`, '--env', 'dev']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.json.outcome).toBe('healthy');
    expect(await level()).toBe('three');
    const after = await envKeys(['verify', `${web}@1.0.2`, '--env', 'dev']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.json).toMatchObject({ verified: true, environment: 'dev', digest: cut.json.cut[0].digest });
    expect(before.json.trustedKeys).toContain(after.json.keyId);
    const db = openState({ path: join(scratch, 'state.db') });
    try {
      const refusals = listRollouts(db, { bundle: web, environment: 'dev' }).filter(
        (r) => r.outcome === 'refused' && r.version === '1.0.2',
      );
      expect(refusals).toHaveLength(1);
      expect(JSON.stringify(refusals[0])).toMatch(/refused before any apply in dev: untrusted-key/);
    } finally {
      db.close();
    }
  });
});
