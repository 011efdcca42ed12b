/**
 * A bundle's apply policy: the choices in its Bundle document that the
 * release engine needs at deploy time (recreate on an immutable change; how
 * and whether members that leave the bundle are deleted; which existing
 * objects it may adopt or share; whether an empty version is meant; whether
 * a missing namespace may be created). The policy travels
 * inside each version's config, so a deploy, a promotion or a rollback needs
 * nothing but the registry to apply a version the way its bundle asked. A
 * config without a policy (cut before policies were stored, or with every
 * default) means the defaults. Pure.
 *
 * @example
 *   resolvePolicy(undefined).prune.protected // => false
 *   isDefaultPolicy(resolvePolicy({ prune: { protected: true } })) // => false
 */

import type { ObjectSelector } from './selector.ts';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface BundlePolicy {
  /** Delete and recreate an object whose immutable fields changed, instead of failing the release. */
  recreateOnImmutableChange: boolean;
  prune: {
    /** Delete members dropped since the previous version (else they stay and are reported). */
    enabled: boolean;
    /** Also delete Namespaces, CRDs, PVs and PVCs: dropped ones, and on rollback the ones the failed release created. */
    protected: boolean;
    propagationPolicy: PropagationPolicy;
  };
  /** Existing objects (in no bundle's inventory) the bundle may take over (`spec.adopt`). */
  adopt: ObjectSelector[];
  /** Members the bundle shares with other bundles (`spec.shared`). */
  shared: ObjectSelector[];
  /** The version may hold no objects (`spec.allowEmpty`): a release of it removes what the bundle owned. */
  allowEmpty: boolean;
  /** A member's namespace that does not exist is created by the release (`spec.createNamespace`). */
  createNamespace: boolean;
}

/** What a version's config holds: any part may be missing and means its default. */
export interface StoredPolicy {
  recreateOnImmutableChange?: boolean;
  prune?: Partial<BundlePolicy['prune']>;
  adopt?: ObjectSelector[];
  shared?: ObjectSelector[];
  allowEmpty?: boolean;
  createNamespace?: boolean;
}

export const DEFAULT_POLICY: BundlePolicy = {
  recreateOnImmutableChange: false,
  prune: { enabled: true, protected: false, propagationPolicy: 'Background' },
  adopt: [],
  shared: [],
  allowEmpty: false,
  createNamespace: false,
};

/** The policy with every default filled in. */
export function resolvePolicy(stored: StoredPolicy | undefined): BundlePolicy {
  return {
    recreateOnImmutableChange: stored?.recreateOnImmutableChange ?? DEFAULT_POLICY.recreateOnImmutableChange,
    prune: { ...DEFAULT_POLICY.prune, ...stored?.prune },
    adopt: stored?.adopt ?? [],
    shared: stored?.shared ?? [],
    allowEmpty: stored?.allowEmpty ?? false,
    createNamespace: stored?.createNamespace ?? false,
  };
}

/** The policy as a version's config stores it: only what differs from the defaults. Pure. */
export function storedPolicyOf(p: BundlePolicy): StoredPolicy {
  return {
    recreateOnImmutableChange: p.recreateOnImmutableChange,
    prune: { ...p.prune },
    ...(p.adopt.length ? { adopt: p.adopt } : {}),
    ...(p.shared.length ? { shared: p.shared } : {}),
    ...(p.allowEmpty ? { allowEmpty: true } : {}),
    ...(p.createNamespace ? { createNamespace: true } : {}),
  };
}

export function isDefaultPolicy(p: BundlePolicy): boolean {
  return samePolicy(p, DEFAULT_POLICY);
}

export function samePolicy(a: BundlePolicy, b: BundlePolicy): boolean {
  return (
    a.recreateOnImmutableChange === b.recreateOnImmutableChange &&
    a.prune.enabled === b.prune.enabled &&
    a.prune.protected === b.prune.protected &&
    a.prune.propagationPolicy === b.prune.propagationPolicy &&
    JSON.stringify(a.adopt) === JSON.stringify(b.adopt) &&
    JSON.stringify(a.shared) === JSON.stringify(b.shared) &&
    a.allowEmpty === b.allowEmpty &&
    a.createNamespace === b.createNamespace
  );
}
