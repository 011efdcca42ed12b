/**
 * Whether a render may fetch a remote reference, and the refusal when it may
 * not. Two keys must both turn: the operator's `render.allowRemote` in
 * drover.yaml (`never`, the default, or `bundle`: a bundle may opt in) and
 * the bundle's own opt-in (`spec.kustomize.allowRemote`,
 * `spec.helm.allowRemote`). A repository's author alone can never make a
 * render reach the network, and the refusal names the setting that is
 * missing. A `file://` reference is refused whatever the settings: it reads
 * the disk of the host Drover runs on, which is neither the repository nor
 * the network. Pure.
 *
 * @example
 *   remoteRefusal({ policy: { operator: 'never', bundle: true, bundleSetting: 'spec.kustomize.allowRemote' }, field: 'resources[0]', ref: 'github.com/x/y?ref=v1', where: 'k/kustomization.yaml' })?.message
 *   // => 'k/kustomization.yaml: resources[0] github.com/x/y?ref=v1: remote reference refused (render.allowRemote is never)'
 */
import { InvalidInputError } from '../errors/errors.ts';
import type { RemoteSpelling } from './remote-reference.ts';

/** drover.yaml's `render.allowRemote`: `never` (the default) or `bundle` (a bundle that opts in may fetch). */
export type AllowRemote = 'never' | 'bundle';

export interface RemotePolicy {
  /** drover.yaml's `render.allowRemote`. */
  operator: AllowRemote;
  /** The bundle's opt-in. */
  bundle: boolean;
  /** Where the bundle opts in, for the message: `spec.kustomize.allowRemote`. */
  bundleSetting: string;
}

/** Why a remote reference may not be fetched under `policy`, or undefined when it may. */
export function whyRemoteRefused(
  policy: RemotePolicy,
  spelling: RemoteSpelling | 'helm-repository',
): string | undefined {
  if (spelling === 'file-url') return 'file:// reads the disk of the host Drover runs on, which no setting allows';
  if (policy.operator === 'never')
    return `render.allowRemote is never${policy.bundle ? '' : `; the bundle must also set ${policy.bundleSetting}`}`;
  if (!policy.bundle) return `${policy.bundleSetting} is not set`;
  return undefined;
}

/** The refusal of one remote reference (reason `remote`), or undefined when the policy lets it be fetched. */
export function remoteRefusal({
  policy,
  spelling,
  field,
  ref,
  where,
  hint = '',
}: {
  policy: RemotePolicy;
  spelling: RemoteSpelling | 'helm-repository';
  /** The field holding it: `resources[0]`, `dependencies[1].repository`. */
  field: string;
  ref: string;
  /** The file that holds it. */
  where: string;
  /** Said after the refusal (what to do instead). */
  hint?: string;
}): InvalidInputError | undefined {
  const why = whyRemoteRefused(policy, spelling);
  if (!why) return undefined;
  return new InvalidInputError(`${where}: ${field} ${ref}: remote reference refused (${why})${hint}`, {
    data: {
      file: where,
      field,
      entry: ref,
      reason: 'remote',
      allowRemote: policy.operator,
      bundleAllowsRemote: policy.bundle,
    },
  });
}
