/**
 * The agent protocol's documents in the registry (docs/agent-protocol.md):
 * the hub writes each environment's index (`drover.index:<env>`), an agent
 * writes its status per bundle (`drover.status/<cluster>:<bundle>`), and each
 * side reads the other's. The documents themselves are lib/protocol's; this
 * is only where they are put and how they are fetched (one GET per read:
 * the signature rides in the manifest's annotations). A reader passes the
 * keys it trusts; a document they do not verify is refused
 * (DocumentRefusedError, lib/protocol). Judging its sequence and date is the
 * reader's, who knows what it accepted before.
 *
 * @example
 *   await writeAgentIndex({ stores: ws.stores, index, signer });
 *   const s = await readStatus({ stores: ws.stores, bundle: 'web', cluster: 'c3', trustedKeys }); // { document, keyId, sequence } | undefined
 */
import { NotFoundError } from '../errors/errors.ts';
import {
  type AgentStatus,
  decodeIndex,
  decodeStatus,
  EMPTY_BLOB,
  EMPTY_DIGEST,
  encodeIndex,
  encodeStatus,
  type EnvironmentIndex,
  INDEX_REPOSITORY,
  type SignedDocument,
  statusRepository,
} from '../protocol/agent-protocol.ts';
import type { TrustedKey } from '../signature/public-key.ts';
import type { Signer } from '../signature/signer.ts';
import { MediaType } from './media-types.ts';
import type { Stores } from './reference.ts';
import type { OciStore } from './store.ts';

async function put(store: OciStore, tag: string, bytes: Uint8Array, signal?: AbortSignal | undefined): Promise<void> {
  // The one blob every protocol manifest points at; the registry refuses a manifest whose blobs it lacks.
  if (!(await store.hasBlob({ digest: EMPTY_DIGEST, signal })))
    await store.pushBlob({ data: EMPTY_BLOB, digest: EMPTY_DIGEST, signal });
  await store.putManifest({ bytes, mediaType: MediaType.ociManifest, tag, signal });
}

async function get(store: OciStore, tag: string, signal?: AbortSignal | undefined): Promise<Uint8Array | undefined> {
  try {
    return (
      await store.getManifest({
        reference: tag,
        accept: [MediaType.ociManifest],
        maxBytes: 256 * 1024,
        signal,
      })
    ).bytes;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** Writes the environment's index, signed with the hub's key when it has one. */
export async function writeAgentIndex({
  stores,
  index,
  signer,
  signal,
}: {
  stores: Stores;
  index: Omit<EnvironmentIndex, 'protocol'>;
  signer?: Signer | undefined;
  signal?: AbortSignal | undefined;
}): Promise<void> {
  await put(stores.open(INDEX_REPOSITORY), index.environment, await encodeIndex({ index, signer }), signal);
}

/** The environment's index, or undefined when the hub has written none; refused unless one of `trustedKeys` signed it (none: not verified). */
export async function readAgentIndex({
  stores,
  environment,
  trustedKeys,
  signal,
}: {
  stores: Stores;
  environment: string;
  trustedKeys: readonly TrustedKey[];
  signal?: AbortSignal | undefined;
}): Promise<SignedDocument<EnvironmentIndex> | undefined> {
  const bytes = await get(stores.open(INDEX_REPOSITORY), environment, signal);
  return bytes && decodeIndex(bytes, { environment, trustedKeys });
}

/** Writes an agent's status for one bundle, signed with the agent's key when it has one. */
export async function writeStatus({
  stores,
  status,
  signer,
  signal,
}: {
  stores: Stores;
  status: Omit<AgentStatus, 'protocol'>;
  signer?: Signer | undefined;
  signal?: AbortSignal | undefined;
}): Promise<void> {
  await put(
    stores.open(statusRepository(status.cluster)),
    status.bundle,
    await encodeStatus({ status, signer }),
    signal,
  );
}

/** An agent's last status for a bundle, or undefined when it has written none; refused unless one of `trustedKeys` signed it (none: not verified). */
export async function readStatus({
  stores,
  bundle,
  cluster,
  trustedKeys,
  signal,
}: {
  stores: Stores;
  bundle: string;
  cluster: string;
  trustedKeys: readonly TrustedKey[];
  signal?: AbortSignal | undefined;
}): Promise<SignedDocument<AgentStatus> | undefined> {
  const bytes = await get(stores.open(statusRepository(cluster)), bundle, signal);
  return bytes && decodeStatus(bytes, { bundle, cluster, trustedKeys });
}
