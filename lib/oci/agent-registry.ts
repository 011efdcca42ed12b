/**
 * The agent protocol's documents in the registry (docs/agent-protocol.md):
 * the hub writes each environment's index (`drover.index:<env>`), an agent
 * writes its status per bundle (`drover.status/<cluster>:<bundle>`), and each
 * side reads the other's. The documents themselves are lib/protocol's; this
 * is only where they are put and how they are fetched (one HEAD to see
 * whether a status changed, one GET to read it).
 *
 * @example
 *   await writeAgentIndex({ stores: ws.stores, index: { environment: 'edge', bundles: ['web'], clusters: {} } });
 *   const s = await readStatus({ stores: ws.stores, bundle: 'web', cluster: 'c3' }); // AgentStatus | undefined
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
  statusRepository,
} from '../protocol/agent-protocol.ts';
import { MediaType } from './media-types.ts';
import type { Stores } from './reference.ts';
import type { OciStore } from './store.ts';

async function put(store: OciStore, tag: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
  // The one blob every protocol manifest points at; the registry refuses a manifest whose blobs it lacks.
  if (!(await store.hasBlob({ digest: EMPTY_DIGEST, signal })))
    await store.pushBlob({ data: EMPTY_BLOB, digest: EMPTY_DIGEST, signal });
  await store.putManifest({ bytes, mediaType: MediaType.ociManifest, tag, signal });
}

async function get(store: OciStore, tag: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
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

export async function writeAgentIndex({
  stores,
  index,
  signal,
}: {
  stores: Stores;
  index: Omit<EnvironmentIndex, 'protocol'>;
  signal?: AbortSignal;
}): Promise<void> {
  await put(stores.open(INDEX_REPOSITORY), index.environment, encodeIndex(index), signal);
}

/** The environment's index, or undefined when the hub has written none. */
export async function readAgentIndex({
  stores,
  environment,
  signal,
}: {
  stores: Stores;
  environment: string;
  signal?: AbortSignal;
}): Promise<EnvironmentIndex | undefined> {
  const bytes = await get(stores.open(INDEX_REPOSITORY), environment, signal);
  return bytes && decodeIndex(bytes, { environment });
}

export async function writeStatus({
  stores,
  status,
  signal,
}: {
  stores: Stores;
  status: Omit<AgentStatus, 'protocol'>;
  signal?: AbortSignal;
}): Promise<void> {
  await put(stores.open(statusRepository(status.cluster)), status.bundle, encodeStatus(status), signal);
}

/** An agent's last status for a bundle, or undefined when it has written none. */
export async function readStatus({
  stores,
  bundle,
  cluster,
  signal,
}: {
  stores: Stores;
  bundle: string;
  cluster: string;
  signal?: AbortSignal;
}): Promise<AgentStatus | undefined> {
  const bytes = await get(stores.open(statusRepository(cluster)), bundle, signal);
  return bytes && decodeStatus(bytes, { bundle, cluster });
}
