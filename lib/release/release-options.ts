/**
 * What a release is asked to do, shared by the release, its rollback, the
 * recovery after a crash and the fan-out: the options of one release to one
 * cluster (its target is a version's content, lib/bundle/version-content.ts)
 * and the policy it applies by (the version's own, unless overridden). Its
 * own module so that release.ts and rollback.ts, which both need it, do not
 * import each other.
 */
import { type BundlePolicy, resolvePolicy, type StoredPolicy } from '../bundle/policy.ts';
import type { VersionContent } from '../bundle/version-content.ts';
import type { Cluster } from '../cluster/cluster.ts';
import type { KubeObject } from '../object/ref.ts';
import type { OnEvent } from '../progress.ts';
import type { StateDb } from '../state/open.ts';

export interface ReleaseOptions {
  db: StateDb;
  cluster: Cluster;
  environment?: string;
  target: VersionContent;
  /** Loads a version's content by digest (from the registry), to restore it. */
  loadVersion: (v: { version: string; digest: string }) => Promise<VersionContent>;
  /** Overrides the policy stored in the target version. */
  policy?: StoredPolicy;
  timeoutMs?: number;
  /** Turns a member into what is sent to the cluster (e.g. decrypts SOPS Secrets in memory). */
  prepare?: (obj: KubeObject) => Promise<KubeObject>;
  concurrency?: number;
  /** Create a member's namespace when it does not exist (the environment's `createNamespace`; the bundle's policy can ask too). */
  createNamespace?: boolean;
  /** drover.yaml names this bundle under `selfManaged`: it may ship objects in Drover's own namespace. */
  selfManaged?: boolean;
  /**
   * What the cluster runs by a record other than the inventory, when the
   * caller knows better than the local journal (an agent: its last status in
   * the registry). Default: the journal's newest release on the cluster.
   */
  running?: { version: string; digest: string } | null;
  /** Why this release runs when it is not a plain deploy (a revert, a heal), for the journal's first step. */
  cause?: string;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

/** The policy a release of `target` applies by. */
export function releasePolicy(opts: Pick<ReleaseOptions, 'policy' | 'target'>): BundlePolicy {
  return resolvePolicy(opts.policy ?? opts.target.policy);
}
