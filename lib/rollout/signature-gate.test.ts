import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/config.ts';
import { MediaType, sha256Digest, signVersion, type Digest } from '../oci/index.ts';
import { generateKeyPair } from '../signature/generate-key-pair.ts';
import { keySigner } from '../signature/signer.ts';
import { openWorkspaceWith, type Workspace } from '../workspace/workspace.ts';
import type { RolloutPlan } from './plan.ts';
import { signatureRefusal } from './signature-gate.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-gate-'));
const open: Workspace[] = [];
afterAll(() => {
  for (const ws of open) ws.close();
  rmSync(dir, { recursive: true, force: true });
});
const hub = generateKeyPair();
const stranger = generateKeyPair();
writeFileSync(join(dir, 'hub.key'), hub.privateKeyPem, { mode: 0o600 });
const enc = (s: string) => new TextEncoder().encode(s);

writeFileSync(join(dir, 'stranger.pub'), stranger.publicKeyPem);
const rotated = generateKeyPair();
writeFileSync(join(dir, 'rotated.pub'), rotated.publicKeyPem);

async function workspace(requireSignatures: boolean, signing = true, trustedKeys?: string[]): Promise<Workspace> {
  const config = resolveConfig({
    doc: {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      sources: [{ name: 'apps', url: './repo' }],
      clusters: [{ name: 'c1' }],
      environments: [{ name: 'prod', clusters: ['c1'], requireSignatures, ...(trustedKeys ? { trustedKeys } : {}) }],
      ...(signing ? { signing: { keyFile: 'hub.key' } } : {}),
    },
    file: join(dir, 'drover.yaml'),
  });
  const ws = await openWorkspaceWith({ config, env: {} });
  open.push(ws);
  return ws;
}

/** A version manifest in the bundle's repository of the workspace's layout registry. */
async function version(ws: Workspace, content: string): Promise<Digest> {
  const store = ws.stores.open('web');
  const layer = enc(content);
  await store.pushBlob({ data: enc('{}') });
  await store.pushBlob({ data: layer });
  const bytes = enc(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(enc('{}')), size: 2 },
      layers: [{ mediaType: MediaType.octetStream, digest: sha256Digest(layer), size: layer.length }],
    }),
  );
  return (await store.putManifest({ bytes, mediaType: MediaType.ociManifest })).digest;
}

const planFor = (digest: string) => ({ bundle: 'web', environment: 'prod', version: '1.0.0', digest }) as RolloutPlan;

describe('signatureRefusal', () => {
  it('passes a version signed by a trusted key, refuses an unsigned or untrusted one with its reason', async () => {
    const ws = await workspace(true);
    const signed = await version(ws, 'signed');
    await signVersion({
      store: ws.stores.open('web'),
      digest: signed,
      signer: keySigner({ privateKeyPem: hub.privateKeyPem, name: 'hub' }),
    });
    expect(await signatureRefusal({ ws, plan: planFor(signed) })).toBeUndefined();

    const unsigned = await version(ws, 'unsigned');
    expect(await signatureRefusal({ ws, plan: planFor(unsigned) })).toMatchObject({
      reason: 'SignatureRefused',
      data: { signature: 'unsigned', digest: unsigned, environment: 'prod' },
    });
    const foreign = await version(ws, 'foreign');
    await signVersion({
      store: ws.stores.open('web'),
      digest: foreign,
      signer: keySigner({ privateKeyPem: stranger.privateKeyPem, name: 'x' }),
    });
    expect(await signatureRefusal({ ws, plan: planFor(foreign) })).toMatchObject({
      data: { signature: 'untrusted-key' },
    });
  });

  it('checks nothing where the environment does not require signatures, and refuses when it does but no key is trusted', async () => {
    const lax = await workspace(false);
    expect(await signatureRefusal({ ws: lax, plan: planFor(await version(lax, 'x')) })).toBeUndefined();
    const keyless = await workspace(true, false);
    expect(await signatureRefusal({ ws: keyless, plan: planFor(await version(keyless, 'y')) })).toMatchObject({
      data: { signature: 'no-trusted-key' },
    });
  });

  it("verifies against the environment's trustedKeys, any one of them, and not the signing key it does not list", async () => {
    const ws = await workspace(true, true, ['rotated.pub', 'stranger.pub']);
    const sign = async (digest: Digest, privateKeyPem: string) =>
      signVersion({ store: ws.stores.open('web'), digest, signer: keySigner({ privateKeyPem, name: 'k' }) });
    const byStranger = await version(ws, 'by stranger');
    await sign(byStranger, stranger.privateKeyPem);
    expect(await signatureRefusal({ ws, plan: planFor(byStranger) })).toBeUndefined();
    const byRotated = await version(ws, 'by rotated');
    await sign(byRotated, rotated.privateKeyPem);
    expect(await signatureRefusal({ ws, plan: planFor(byRotated) })).toBeUndefined();
    const byHub = await version(ws, 'by hub');
    await sign(byHub, hub.privateKeyPem);
    expect(await signatureRefusal({ ws, plan: planFor(byHub) })).toMatchObject({
      reason: 'SignatureRefused',
      data: { signature: 'untrusted-key', trustedKeys: [rotated.keyId, stranger.keyId] },
    });
  });
});
