/**
 * `drover verify B@V`: whether the version Drover cut as B@V (the digest its
 * state recorded at cut) carries a signature by a trusted key: the signing
 * key of drover.yaml, `signing.publicKeys`, and any `keyFiles` given
 * (`--key`); or, with `environment` (`--env`), the keys that environment
 * trusts before a rollout (its `trustedKeys` when it lists any), plus
 * `keyFiles`. It answers what verified (the key id and the subject digest)
 * or why not (`unsigned`, `bad-signature`, `untrusted-key`, `other-digest`);
 * the CLI turns a refusal into SignatureRefusedError's exit code.
 *
 * @example
 *   const r = await verifyVersion({ ws, bundle: 'web', version: '1.0.2' });
 *   r.verified ? r.keyId : r.reason
 */
import { environmentOf } from '../config/lookups.ts';
import { readTrustedKeys } from '../config/signing-keys.ts';
import { NotFoundError, UsageError } from '../errors/errors.ts';
import { type Digest, verifyVersionSignature } from '../oci/index.ts';
import type { SignatureRefusal } from '../signature/judge-signature.ts';
import { getVersion } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';

export type VersionVerification = {
  bundle: string;
  version: string;
  /** The subject: the manifest digest recorded at cut. */
  digest: string;
  location: string;
  /** The ids of the keys trusted for this check. */
  trustedKeys: string[];
  /** The environment whose keys were trusted (`--env`). */
  environment?: string;
} & ({ verified: true; keyId: string } | { verified: false; reason: SignatureRefusal; detail: string });

export async function verifyVersion({
  ws,
  bundle,
  version,
  keyFiles = [],
  environment,
  signal,
}: {
  ws: Workspace;
  bundle: string;
  version: string;
  keyFiles?: string[];
  /** Check against the keys this environment trusts. */
  environment?: string | undefined;
  signal?: AbortSignal;
}): Promise<VersionVerification> {
  const recorded = getVersion(ws.db, bundle, version);
  if (!recorded)
    throw new NotFoundError(`${bundle}@${version}: not a version Drover cut here (drover versions ${bundle})`, {
      data: { bundle, version },
    });
  const e = environment ? environmentOf(ws.config, environment) : undefined;
  const trusted = await readTrustedKeys({
    config: ws.config,
    env: ws.env,
    environment: e,
    extraFiles: keyFiles,
    signal,
  });
  if (trusted.length === 0)
    throw new UsageError('no trusted key: set signing in drover.yaml, or pass --key FILE (a PEM public key)');
  const store = ws.stores.open(bundle);
  const v = await verifyVersionSignature({ store, digest: recorded.digest as Digest, trustedKeys: trusted, signal });
  const base = {
    bundle,
    version,
    digest: recorded.digest,
    location: store.location,
    trustedKeys: trusted.map((k) => k.keyId),
    ...(e ? { environment: e.name } : {}),
  };
  return v.ok
    ? { ...base, verified: true, keyId: v.keyId }
    : { ...base, verified: false, reason: v.reason, detail: v.detail };
}
