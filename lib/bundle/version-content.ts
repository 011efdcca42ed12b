/**
 * A bundle version's content as pulled from the registry: its members (of
 * one target, when it was cut with targets), the policy they are applied by,
 * and the digest that names it. What the bundle store loads
 * (lib/oci/bundle-store.ts) and the release engine applies. Pure data.
 *
 * @example
 *   const v: VersionContent = { bundle: 'web', version: '1.0.2', digest, members, target: 'prod', targets: ['dev', 'prod'] };
 */
import type { KubeObject } from '../object/ref.ts';
import type { StoredPolicy } from './policy.ts';

/** A bundle version's content, as pulled from the registry. */
export interface VersionContent {
  bundle: string;
  version: string;
  digest: string;
  members: KubeObject[];
  /** The bundle's apply policy as stored in the version (defaults when absent). */
  policy?: StoredPolicy;
  /** The target these members are (a version without targets has one variant and no name for it). */
  target?: string;
  /** Every target the version has (empty without targets). */
  targets?: string[];
}
