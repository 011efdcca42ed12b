/**
 * A rollout plan: what moving an environment (or one cluster) to a version
 * would do, decided before anything is written. Which version (by the digest
 * recorded at cut), which clusters in which waves, what each runs now and,
 * when previewed, what applying would change there; what happens to the
 * environment's channel tag; and the refusal that applies, if any. It is
 * plain data: `drover deploy|promote|rollback --dry-run` prints it, the
 * dashboard's confirm page shows it and posts its id back, and `runRollout`
 * carries it out. Its fingerprint (the version's digest, every
 * environment's tag, each cluster's inventory) tells a plan that went stale
 * between being shown and being confirmed.
 *
 * @example
 *   const plan = await planRollout(ws, { bundle: 'web', environment: 'prod', reason: 'promote' });
 *   plan.refusal ?? (await runRollout(plan, { ws })).outcome
 */
import type { ClusterDiff } from '../release/preview.ts';

/** Why a rollout runs: it decides which version when none is named, and what is quarantined after it. */
export type RolloutReason = 'deploy' | 'promote' | 'rollback' | 'follow';

/**
 * What happens to the environment's channel tag: `move` points it at the
 * version (unless it already names it) and puts it back if the rollout
 * does not end healthy; `follow` never writes a tag (an agent, which only
 * follows the tag its hub moves).
 */
export type ChannelMode = 'move' | 'follow';

/** What a caller asks for. */
export interface RolloutRequest {
  bundle: string;
  /** The environment to move; or `cluster` for a deploy to one cluster (no tag moves). */
  environment?: string | undefined;
  cluster?: string | undefined;
  /** A version or a digest; optional for promote (what the previous environment runs) and rollback (the previous good version). */
  version?: string | undefined;
  reason: RolloutReason;
  channel?: ChannelMode | undefined;
  /** The loop's own decision rather than a person's: a version that fails is quarantined there. */
  automated?: boolean | undefined;
}

/** Refusals a plan can carry; a release engine's own (ForeignObject, InventoryMissing...) come back in the outcome. */
export type PlanRefusalReason = 'NotHealthyInPrevious' | 'Quarantined' | 'VersionTagMoved' | 'Stale' | (string & {});

export interface PlanRefusal {
  reason: PlanRefusalReason;
  message: string;
  data: Record<string, unknown>;
}

export interface VersionRef {
  version: string;
  digest: string;
}

export interface PlannedCluster {
  cluster: string;
  /** 1-based. */
  wave: number;
  /** `agent`: its agent releases it, following a tag; the hub only waits for its status. */
  mode: 'push' | 'agent';
  /** What the journal says runs there whole. */
  runs: VersionRef | null;
  /** The digest the cluster's inventory (an agent: its last status) says it runs; null: none; absent: not read (`unreadable` says why). */
  inventory?: string | null;
  unreadable?: string;
  /** With a preview: what applying the version would change there (a server-side dry run), or why it could not be read. */
  change?: ClusterDiff;
  changeError?: string;
}

export interface PlannedWave {
  clusters: PlannedCluster[];
  concurrency?: number;
}

export interface PlannedChannel {
  mode: ChannelMode;
  tag: string;
  /** The digest the tag names now (undefined: no tag yet), and its version when it is one of this bundle's. */
  names?: string;
  namesVersion?: string;
  to: string;
  /** Where the tag goes back to if the rollout does not end healthy: what it named, or what the environment ran whole. */
  putBackTo?: string;
}

/** What a plan was made from, to tell whether it is still true (`staleReasons`). Live drift is not part of it. */
export interface RolloutFingerprint {
  digest: string | null;
  /** Every environment's channel tag: the digest it named (null: none). */
  tags: Record<string, string | null>;
  /** Every planned cluster's inventory digest (null: none; absent: not read). */
  inventories: Record<string, string | null>;
}

export interface RolloutPlan {
  /** sha256 of the request and the fingerprint: the same plan made twice has the same id. */
  id: string;
  bundle: string;
  reason: RolloutReason;
  automated: boolean;
  environment?: string;
  cluster?: string;
  /** The version and the digest recorded at cut; absent only when a refusal came before a version was chosen. */
  version?: string;
  digest?: string;
  /** What the environment runs whole now (absent: not one version, or a one-cluster deploy). */
  runs?: VersionRef;
  channel?: PlannedChannel;
  waves: PlannedWave[];
  /** The version is quarantined in the environment (named explicitly, so it goes ahead). */
  quarantined: boolean;
  /** The environment already runs this very digest whole: the rollout re-applies it (nothing changes unless something drifted). */
  unchanged: boolean;
  refusal?: PlanRefusal;
  fingerprint: RolloutFingerprint;
  plannedAt: string;
}

/** Every cluster of a plan, in wave order. */
export const plannedClusters = (plan: Pick<RolloutPlan, 'waves'>): PlannedCluster[] =>
  plan.waves.flatMap((w) => w.clusters);
