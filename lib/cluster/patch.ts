/**
 * Writes that are not server-side applies: a JSON Patch (RFC 6902) on one
 * object, and a whole-object update (PUT). Both are used for bookkeeping the
 * apply cannot express: moving or dropping a field manager's entry in
 * `metadata.managedFields` (which only non-apply writes may set), and putting
 * an adopted object's prior state back. Each carries a precondition (a
 * `test` op, or the update's resourceVersion) so it never lands on a newer
 * object than the one it was computed from.
 */
import { formatRef, type KubeObject, type ObjectId } from '../object/ref.ts';
import type { Cluster } from './cluster.ts';
import { resourcePath } from './discovery.ts';

export type JsonPatchOp =
  { op: 'add' | 'replace' | 'test'; path: string; value: unknown } | { op: 'remove'; path: string };

/** Escapes one JSON Pointer segment (a label key holds `/`). */
export const pointerSegment = (s: string): string => s.replaceAll('~', '~0').replaceAll('/', '~1');

export async function patchObject(
  cluster: Cluster,
  { ref, patch, manager, signal }: { ref: ObjectId; patch: JsonPatchOp[]; manager: string; signal?: AbortSignal },
): Promise<KubeObject> {
  const info = await cluster.discovery.resourceFor(ref, signal);
  const { body } = await cluster.client.request<KubeObject>({
    method: 'PATCH',
    path: resourcePath(info, ref.namespace, ref.name),
    query: { fieldManager: manager },
    body: patch,
    contentType: 'application/json-patch+json',
    subject: `${cluster.name}: ${formatRef(ref)}`,
    signal,
  });
  return body;
}

/** Replaces the object whole (its metadata.resourceVersion is the precondition). */
export async function replaceObject(
  cluster: Cluster,
  { object, manager, signal }: { object: KubeObject; manager: string; signal?: AbortSignal },
): Promise<KubeObject> {
  const info = await cluster.discovery.resourceFor(object, signal);
  const { body } = await cluster.client.request<KubeObject>({
    method: 'PUT',
    path: resourcePath(info, object.metadata.namespace, object.metadata.name),
    query: { fieldManager: manager },
    body: object,
    subject: `${cluster.name}: ${formatRef({ kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name })}`,
    signal,
  });
  return body;
}
