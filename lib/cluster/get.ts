/**
 * Reads objects: one by ref (null when absent), or a list by namespace and
 * label selector, returning the list's resourceVersion for a following watch.
 */
import { NotFoundError } from '../errors/errors.ts';

import { formatRef, type KubeObject, type ObjectId } from '../object/ref.ts';

import type { Cluster } from './cluster.ts';
import { resourcePath } from './discovery.ts';

/** The live object, or null when it does not exist. */
export async function getObject(cluster: Cluster, ref: ObjectId, signal?: AbortSignal): Promise<KubeObject | null> {
  const info = await cluster.discovery.resourceFor(ref, signal);
  try {
    const { body } = await cluster.client.request<KubeObject>({
      method: 'GET',
      path: resourcePath(info, ref.namespace, ref.name),
      subject: `${cluster.name}: ${formatRef(ref)}`,
      signal,
    });
    return body;
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
}

export async function listObjects(
  cluster: Cluster,
  {
    apiVersion,
    kind,
    namespace,
    labelSelector,
    fieldSelector,
    signal,
  }: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    labelSelector?: string;
    fieldSelector?: string;
    signal?: AbortSignal;
  },
): Promise<ListResult> {
  const info = await cluster.discovery.resourceFor({ apiVersion, kind }, signal);
  const items: KubeObject[] = [];
  let cont: string | undefined;
  let resourceVersion = '';
  do {
    const { body } = await cluster.client.request<{
      items: KubeObject[];
      metadata: { resourceVersion: string; continue?: string };
    }>({
      method: 'GET',
      path: resourcePath(info, namespace),
      query: { labelSelector, fieldSelector, limit: 500, continue: cont },
      subject: `${cluster.name}: list ${kind}${namespace ? ` in ${namespace}` : ''}`,
      signal,
    });
    // Lists omit apiVersion/kind on items; put them back so items are whole objects.
    for (const item of body.items) items.push({ ...item, apiVersion, kind });
    resourceVersion = body.metadata.resourceVersion;
    cont = body.metadata.continue || undefined;
  } while (cont);
  return { items, resourceVersion };
}
