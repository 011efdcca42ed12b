// Signed versions on a registry WITH the OCI 1.1 referrers API (issue #27):
// the test environment's second registry (fixtures/referrers-registry).
// cosign-interop.int.test.ts covers the `sha256-<hex>` tag fallback on
// Debian's distribution 2.8, which has no such API. Here, through the real
// drover and cosign CLIs:
// - `drover cut` signs a version through the API: GET
//   /v2/<name>/referrers/<digest> lists the sigstore bundle (its artifactType,
//   also under the artifactType filter) and no referrers tag is created;
//   `cosign verify --key drover.pub` accepts it, `drover verify` too, and a
//   version nothing refers to (the API answers `"manifests": null`) is
//   `unsigned`, not an unreadable index;
// - `cosign sign --key` attaches its bundle through the API (no referrers
//   tag) and Drover's verifyVersionSignature finds it there, naming the key.
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
import { BUNDLE_MEDIA_TYPE, COSIGN_SIGN_PREDICATE } from '../signature/sigstore-bundle.ts';
import type { Digest } from './digest.ts';
import { MediaType } from './media-types.ts';
import { connectStores } from './reference.ts';
import { referrersTag } from './referrers.ts';
import { verifyVersionSignature } from './verify-version-signature.ts';

const env = testEnv();
const registry = env.referrersRegistry;
const scratch = mkdtempSync(join(env.dir, 'oci-referrers-api-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const prefix = uniqueName('refs');
const web = uniqueName('web');
const repoRef = `${registry.host}/${prefix}/${web}`;
const drover = droverCli(scratch);
const cosign = cosignCli(scratch);
const run = promisify(execFile);
const digests: Record<string, Digest> = {};

interface ReferrersAnswer {
  status: number;
  contentType: string | null;
  filtersApplied: string | null;
  manifests: { mediaType: string; digest: string; artifactType?: string; annotations?: Record<string, string> }[];
}

/** The registry's own referrers answer for a digest (optionally filtered by artifactType). */
async function referrersOf(digest: string, artifactType?: string): Promise<ReferrersAnswer> {
  const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
  const res = await fetch(`${registry.url}/v2/${prefix}/${web}/referrers/${digest}${query}`);
  const body = res.status === 200 ? ((await res.json()) as { manifests: ReferrersAnswer['manifests'] }) : undefined;
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    filtersApplied: res.headers.get('oci-filters-applied'),
    manifests: body?.manifests ?? [],
  };
}

async function tags(): Promise<string[]> {
  const res = await fetch(`${registry.url}/v2/${prefix}/${web}/tags/list`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { tags: string[] }).tags;
}

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

async function cut(config: string, version: string): Promise<void> {
  const r = await drover(['-c', config, 'cut']);
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
    registry: `oci://${registry.host}/${prefix}`,
    state: '.drover/state.db',
  };
  writeFileSync(join(scratch, 'drover.yaml'), stringify({ ...base, signing: { keyFile: 'keys/drover.key' } }));
  writeFileSync(join(scratch, 'unsigned.yaml'), stringify(base));
  const keys = await drover(['keys', 'generate', '--dir', 'keys']);
  expect(keys.code, keys.stderr).toBe(0);
  await commit('1');
  await cut('drover.yaml', '1.0.0');
  await commit('2');
  await cut('unsigned.yaml', '1.0.1');
  mkdirSync(join(scratch, 'trusted'));
  const g = await cosign(['generate-key-pair', '--output-key-prefix', join('trusted', 'cosign')]);
  expect(g.code, g.stderr).toBe(0);
}, 120_000);

describe('signatures through the referrers API', () => {
  it('drover cut signs through the API (no referrers tag); cosign verify --key and drover verify accept it', async () => {
    const listed = await referrersOf(digests['1.0.0']!);
    expect(listed.status).toBe(200);
    expect(listed.contentType).toContain(MediaType.ociIndex);
    expect(listed.manifests).toEqual([
      expect.objectContaining({
        mediaType: MediaType.ociManifest,
        artifactType: BUNDLE_MEDIA_TYPE,
        annotations: expect.objectContaining({ 'dev.sigstore.bundle.predicateType': COSIGN_SIGN_PREDICATE }),
      }),
    ]);
    const filtered = await referrersOf(digests['1.0.0']!, BUNDLE_MEDIA_TYPE);
    expect(filtered.filtersApplied).toBe('artifactType');
    expect(filtered.manifests.map((m) => m.digest)).toEqual([listed.manifests[0]!.digest]);
    expect((await referrersOf(digests['1.0.0']!, 'application/x-other')).manifests).toEqual([]);
    // Nothing refers to 1.0.1: still an index (this registry sends `"manifests": null`), read as no signature.
    expect(await referrersOf(digests['1.0.1']!)).toMatchObject({ status: 200, manifests: [] });
    const all = await tags();
    expect(all).toEqual(expect.arrayContaining(['1.0.0', '1.0.1']));
    expect(all.filter((t) => t.startsWith('sha256-'))).toEqual([]);

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
    const none = await drover(['verify', `${web}@1.0.1`]);
    expect(none.code, none.stderr).toBe(11);
    expect(none.json).toMatchObject({ verified: false, reason: 'unsigned' });
  });

  it('cosign sign --key attaches through the API; verifyVersionSignature finds it and names the key', async () => {
    const trusted = parsePublicKey({
      pem: readFileSync(join(scratch, 'trusted', 'cosign.pub'), 'utf8'),
      name: 'cosign.pub',
    });
    const hub = parsePublicKey({ pem: readFileSync(join(scratch, 'keys', 'drover.pub'), 'utf8'), name: 'drover.pub' });
    const store = (await connectStores({ reference: `oci://${registry.host}/${prefix}` })).open(web);
    const trustedKeys = [hub, trusted];
    expect(
      await verifyVersionSignature({ store, digest: digests['1.0.1']!, trustedKeys, cache: new Map() }),
    ).toMatchObject({ ok: false, reason: 'unsigned' });

    const s = await cosign([
      'sign',
      '--key',
      'trusted/cosign.key',
      ...COSIGN_SIGN_FLAGS,
      `${repoRef}@${digests['1.0.1']}`,
    ]);
    expect(s.code, s.stderr).toBe(0);
    const listed = await referrersOf(digests['1.0.1']!, BUNDLE_MEDIA_TYPE);
    expect(listed.manifests).toHaveLength(1);
    expect(await tags()).not.toContain(referrersTag(digests['1.0.1']!));

    expect(
      await verifyVersionSignature({ store, digest: digests['1.0.1']!, trustedKeys, cache: new Map() }),
    ).toMatchObject({ ok: true, keyId: trusted.keyId });
    const ours = await drover(['verify', `${web}@1.0.1`, '--key', 'trusted/cosign.pub']);
    expect(ours.code, ours.stderr).toBe(0);
    expect(ours.json).toMatchObject({ verified: true, keyId: trusted.keyId });
  });
});
