/**
 * `drover keys sign B[@V]`: signs versions cut before drover.yaml had a
 * signing key (or signed by a key being retired), with the key it names now.
 * Each version is checked first: its `<version>` tag must still name the
 * digest the state recorded when Drover cut it (a moved tag is refused with
 * VersionTagMovedError, and nothing is signed for it), and the signature is
 * over that recorded digest. A version this key already signed is left as it
 * is. Without a version, every version of the bundle is taken.
 *
 * @example
 *   const r = await signVersions({ ws, bundle: 'web' });
 *   r.signed // [{ version: '1.0.0', digest: 'sha256:...', keyId: 'sha256:...' }]
 */
import { readSigner } from '../config/signing-keys.ts';
import { type DroverError, NotFoundError, toDroverError, UsageError } from '../errors/errors.ts';
import { type Digest, signVersion, VersionTagMovedError, verifyVersionSignature } from '../oci/index.ts';
import { parsePublicKey } from '../signature/public-key.ts';
import { getVersion, listVersions, type VersionRecord } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface SignedVersionEntry {
  version: string;
  digest: string;
  keyId: string;
}

export interface SignVersionsResult {
  bundle: string;
  keyId: string;
  signed: SignedVersionEntry[];
  /** Already signed by this key: nothing written. */
  alreadySigned: SignedVersionEntry[];
  /** Versions not signed, each with why (a moved tag, a manifest gone). */
  failed: { version: string; error: DroverError }[];
}

export async function signVersions({
  ws,
  bundle,
  version,
  signal,
}: {
  ws: Workspace;
  bundle: string;
  version?: string;
  signal?: AbortSignal;
}): Promise<SignVersionsResult> {
  const signer = await readSigner({ config: ws.config, env: ws.env, signal });
  if (!signer)
    throw new UsageError('no signing key: set signing.keyFile or signing.keyEnv in drover.yaml (drover keys generate)');
  const records = version ? [getVersion(ws.db, bundle, version)] : listVersions(ws.db, bundle);
  const found = records.filter((r): r is VersionRecord => r !== undefined);
  if (found.length === 0)
    throw new NotFoundError(`${version ? `${bundle}@${version}` : bundle}: no version Drover cut here`, {
      data: { bundle, ...(version ? { version } : {}) },
    });
  const store = ws.stores.open(bundle);
  const own = [parsePublicKey({ pem: signer.publicKeyPem, name: 'the signing key' })];
  const result: SignVersionsResult = { bundle, keyId: signer.keyId, signed: [], alreadySigned: [], failed: [] };
  for (const r of found) {
    const entry = { version: r.version, digest: r.digest, keyId: signer.keyId };
    try {
      const tagged = await store.resolve({ tag: r.version, signal });
      if (tagged.digest !== r.digest)
        throw new VersionTagMovedError({
          bundle,
          version: r.version,
          location: store.location,
          recorded: r.digest,
          found: tagged.digest,
        });
      const digest = r.digest as Digest;
      const before = await verifyVersionSignature({ store, digest, trustedKeys: own, cache: new Map(), signal });
      if (before.ok) {
        result.alreadySigned.push(entry);
        continue;
      }
      await signVersion({ store, digest, signer, signal });
      result.signed.push(entry);
    } catch (err) {
      result.failed.push({ version: r.version, error: toDroverError(err) });
    }
  }
  return result;
}
