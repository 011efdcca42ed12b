/**
 * Deletes one object (background propagation by default). Returns false when
 * it was already gone. `preconditionUid` makes sure Drover deletes the object
 * it means and not a newer one of the same name.
 */
import { NotFoundError } from '../errors/errors.ts';

import { formatRef, type ObjectId } from '../object/ref.ts';

import type { Cluster } from './cluster.ts';
import { resourcePath } from './discovery.ts';

export async function deleteObject(
  cluster: Cluster,
  {
    ref,
    propagation = 'Background',
    preconditionUid,
    signal,
  }: {
    ref: ObjectId;
    propagation?: 'Background' | 'Foreground' | 'Orphan';
    preconditionUid?: string;
    signal?: AbortSignal;
  },
): Promise<boolean> {
  const info = await cluster.discovery.resourceFor(ref, signal);
  try {
    await cluster.client.request({
      method: 'DELETE',
      path: resourcePath(info, ref.namespace, ref.name),
      body: {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        propagationPolicy: propagation,
        ...(preconditionUid ? { preconditions: { uid: preconditionUid } } : {}),
      },
      subject: `${cluster.name}: ${formatRef(ref)}`,
      signal,
    });
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}
