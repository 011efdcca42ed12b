// Signed versions and the real cosign CLI (issue #27), on the shared test
// registry (Debian's distribution 2.8, which has no referrers API: the
// signature is listed under the `sha256-<hex>` referrers tag, which cosign
// reads as its fallback; the referrers API path is referrers-api.int.test.ts,
// on the environment's second registry). Through the real drover CLI:
// - a version `drover cut` signed is accepted by `cosign verify --key
//   drover.pub --insecure-ignore-tlog=true` (offline, no trusted root);
// - a version cut unsigned, then signed with `cosign sign --key cosign.key
//   --tlog-upload=false` by a key Drover trusts, verifies in Drover
//   (`verifyVersionSignature`, `drover verify`), naming that key;
// - one signed by another key is refused with `untrusted-key`;
// - the private key is nowhere in the registry's storage, the state or the
//   CLI's output.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { COSIGN_SIGN_FLAGS, COSIGN_VERIFY_FLAGS, cosignCli } from '../../fixtures/testenv/cosign.ts';
import { configMapBundleYaml } from '../../fixtures/testenv/manifests.ts';
import { droverCli } from '../../fixtures/testenv/drover-cli.ts';
import { testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { parsePublicKey } from '../signature/public-key.ts';
import type { Digest } from './digest.ts';
import { connectStores } from './reference.ts';
import { referrersTag } from './referrers.ts';
import { verifyVersionSignature } from './verify-version-signature.ts';

const env = testEnv();
const scratch = mkdtempSync(join(env.dir, 'oci-cosign-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const prefix = uniqueName('sign');
const web = uniqueName('web');
const repoRef = `${env.registry.host}/${prefix}/${web}`;
const drover = droverCli(scratch);
const cosign = cosignCli(scratch);
const run = promisify(execFile);
const digests: Record<string, string> = {};
const output: string[] = [];

async function commit(level: string): Promise<void> {
  writeFileSync(
    join(scratch, 'repo', 'apps', 'web.yaml'),
    configMapBundleYaml({ bundle: web, namespace: 'demo', level }),
  );
  const git = (args: string[]) =>
    run('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: join(scratch, 'repo') });
  await git(['add', '-A']);
  await git(['commit', '-qm', level]);
}

/** `drover cut` with or without the signing key (same state, same registry); the new version's digest. */
async function cut(config: string, version: string): Promise<void> {
  const r = await drover(['-c', config, 'cut']);
  output.push(r.stdout, r.stderr);
  expect(r.code, r.stderr).toBe(0);
  expect(r.json.cut).toEqual([expect.objectContaining({ bundle: web, version })]);
  digests[version] = r.json.cut[0].digest;
}

beforeAll(async () => {
  mkdirSync(join(scratch, 'repo', 'apps'), { recursive: true });
  await run('git', ['init', '-q', '-b', 'main'], { cwd: join(scratch, 'repo') });
  const base = {
    apiVersion: 'drover.dev/v1alpha1',
    kind: 'Config',
    sources: [{ name: 'apps', url: './repo' }],
    registry: `oci://${env.registry.host}/${prefix}`,
    state: '.drover/state.db',
  };
  writeFileSync(join(scratch, 'drover.yaml'), stringify({ ...base, signing: { keyFile: 'keys/drover.key' } }));
  writeFileSync(join(scratch, 'unsigned.yaml'), stringify(base));
  const keys = await drover(['keys', 'generate', '--dir', 'keys']);
  output.push(keys.stdout, keys.stderr);
  expect(keys.code, keys.stderr).toBe(0);
  await commit('1');
  await cut('drover.yaml', '1.0.0');
  await commit('2');
  await cut('unsigned.yaml', '1.0.1');
  await commit('3');
  await cut('unsigned.yaml', '1.0.2');
  for (const dir of ['trusted', 'other']) {
    mkdirSync(join(scratch, dir));
    const g = await cosign(['generate-key-pair', '--output-key-prefix', join(dir, 'cosign')]);
    expect(g.code, g.stderr).toBe(0);
  }
}, 180_000);

describe('signed versions and the cosign CLI', () => {
  it('cosign verify --key accepts the version drover cut signed, listed under the referrers tag', async () => {
    const api = await fetch(`${env.registry.url}/v2/${prefix}/${web}/referrers/${digests['1.0.0']}`);
    expect(api.status).toBe(404); // Debian's registry: no referrers API, so the tag schema carries it
    const tags = (await (await fetch(`${env.registry.url}/v2/${prefix}/${web}/tags/list`)).json()) as {
      tags: string[];
    };
    expect(tags.tags).toContain(referrersTag(digests['1.0.0'] as Digest));
    const v = await cosign([
      'verify',
      '--key',
      'keys/drover.pub',
      ...COSIGN_VERIFY_FLAGS,
      `${repoRef}@${digests['1.0.0']}`,
    ]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain(digests['1.0.0']!.slice(7));
    const unsigned = await cosign([
      'verify',
      '--key',
      'keys/drover.pub',
      ...COSIGN_VERIFY_FLAGS,
      `${repoRef}@${digests['1.0.1']}`,
    ]);
    expect(unsigned.code).not.toBe(0);
    const ours = await drover(['verify', `${web}@1.0.0`]);
    expect(ours.code, ours.stderr).toBe(0);
    expect(ours.json).toMatchObject({ verified: true, digest: digests['1.0.0'] });
  });

  it('a version signed with cosign sign --key by a trusted key verifies in Drover; another key is untrusted-key', async () => {
    const trusted = parsePublicKey({
      pem: readFileSync(join(scratch, 'trusted', 'cosign.pub'), 'utf8'),
      name: 'cosign.pub',
    });
    const hub = parsePublicKey({ pem: readFileSync(join(scratch, 'keys', 'drover.pub'), 'utf8'), name: 'drover.pub' });
    const before = await drover(['verify', `${web}@1.0.1`, '--key', 'trusted/cosign.pub']);
    expect(before.code).toBe(11);
    expect(before.json).toMatchObject({ verified: false, reason: 'unsigned' });

    const s1 = await cosign([
      'sign',
      '--key',
      'trusted/cosign.key',
      ...COSIGN_SIGN_FLAGS,
      `${repoRef}@${digests['1.0.1']}`,
    ]);
    expect(s1.code, s1.stderr).toBe(0);
    const s2 = await cosign([
      'sign',
      '--key',
      'other/cosign.key',
      ...COSIGN_SIGN_FLAGS,
      `${repoRef}@${digests['1.0.2']}`,
    ]);
    expect(s2.code, s2.stderr).toBe(0);

    const store = (await connectStores({ reference: `oci://${env.registry.host}/${prefix}` })).open(web);
    const trustedKeys = [hub, trusted];
    expect(
      await verifyVersionSignature({ store, digest: digests['1.0.1'] as Digest, trustedKeys, cache: new Map() }),
    ).toMatchObject({ ok: true, keyId: trusted.keyId });
    expect(
      await verifyVersionSignature({ store, digest: digests['1.0.2'] as Digest, trustedKeys, cache: new Map() }),
    ).toMatchObject({ ok: false, reason: 'untrusted-key' });

    const after = await drover(['verify', `${web}@1.0.1`, '--key', 'trusted/cosign.pub']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.json).toMatchObject({ verified: true, keyId: trusted.keyId });
    const refused = await drover(['verify', `${web}@1.0.2`, '--key', 'trusted/cosign.pub']);
    expect(refused.code).toBe(11);
    expect(refused.json).toMatchObject({ verified: false, reason: 'untrusted-key' });
    // cosign agrees: the other key's signature does not verify with the trusted key.
    const c = await cosign([
      'verify',
      '--key',
      'trusted/cosign.pub',
      ...COSIGN_VERIFY_FLAGS,
      `${repoRef}@${digests['1.0.2']}`,
    ]);
    expect(c.code).not.toBe(0);
  });

  it('the private key is not in the registry, the state, or what the CLI printed', async () => {
    const pem = readFileSync(join(scratch, 'keys', 'drover.key'), 'utf8');
    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
    expect(body.length).toBeGreaterThan(0);
    for (const line of body) {
      const grep = await run('grep', ['-rlF', line, env.registry.storage, join(scratch, '.drover')]).catch(
        (e: { code: number; stdout: string }) => e,
      );
      expect('code' in grep ? grep.code : 0, `found in ${grep.stdout}`).toBe(1); // 1: no match
      expect(output.join('\n')).not.toContain(line);
    }
  });
});
