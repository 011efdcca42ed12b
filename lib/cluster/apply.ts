/**
 * Server-side apply of one object, optionally as a dry run. Returns the
 * object as the server has it after the apply, and whether anything changed.
 * A bundle's members are applied with the bundle's own field manager
 * (`drover/<bundle>`, chosen by the release engine), forced only where the
 * bundle owns the object; Drover's own records (inventories) with `drover`.
 */
import { formatRef, refOf, type KubeObject } from '../object/ref.ts';
import type { Cluster } from './cluster.ts';
import { resourcePath } from './discovery.ts';

export const FIELD_MANAGER = 'drover';

export interface ApplyResult {
  object: KubeObject;
  /** `created` | `configured` | `unchanged`, judged by resourceVersion. */
  action: 'created' | 'configured' | 'unchanged';
}

/** `before` is the live object read earlier, null when it did not exist, undefined when not known. */
function actionOf(before: KubeObject | null | undefined, after: KubeObject): ApplyResult['action'] {
  if (before === null) return 'created';
  if (before && before.metadata.resourceVersion === after.metadata.resourceVersion) return 'unchanged';
  return 'configured';
}

export async function applyObject(
  cluster: Cluster,
  {
    object,
    dryRun = false,
    force = true,
    manager = FIELD_MANAGER,
    signal,
    before,
  }: {
    object: KubeObject;
    dryRun?: boolean;
    force?: boolean;
    manager?: string;
    signal?: AbortSignal;
    before?: KubeObject | null;
  },
): Promise<ApplyResult> {
  const info = await cluster.discovery.resourceFor(object, signal);
  const path = resourcePath(info, object.metadata.namespace, object.metadata.name);
  const { body } = await cluster.client.request<KubeObject>({
    method: 'PATCH',
    path,
    query: { fieldManager: manager, force, dryRun: dryRun ? 'All' : undefined },
    body: object,
    contentType: 'application/apply-patch+yaml',
    subject: `${cluster.name}: ${formatRef(refOf(object))}`,
    signal,
  });
  return { object: body, action: actionOf(before, body) };
}
