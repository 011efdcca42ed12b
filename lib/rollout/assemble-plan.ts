/**
 * Puts a rollout plan together from what was read (pure): the version
 * chosen and loaded (or the refusal met on the way), the waves of the
 * environment with what each cluster runs and holds, the environment's
 * channel tag and where it would go back to, and the fingerprint and id
 * that let a confirmed plan be told stale. `planRollout` does the reading.
 *
 * @example
 *   assembleRolloutPlan({ request, version: { version: '1.0.2', digest }, waves, tags, ... }).channel
 *   // { mode: 'move', tag: 'prod', names: 'sha256:…1.0.1', to: 'sha256:…1.0.2', putBackTo: 'sha256:…1.0.1' }
 */
import { createHash } from 'node:crypto';
import type { EnvironmentRun } from '../release/environment-run.ts';
import type {
  PlannedChannel,
  PlannedCluster,
  PlannedWave,
  PlanRefusal,
  RolloutFingerprint,
  RolloutPlan,
  RolloutRequest,
  VersionRef,
} from './plan.ts';

export interface PlanInputs {
  request: RolloutRequest;
  /** The version chosen and loaded, or why there is none. */
  version: VersionRef | undefined;
  refusal: PlanRefusal | undefined;
  /** The clusters in waves, each with what it runs and holds. */
  waves: PlannedWave[];
  /** What the environment runs whole (absent for a one-cluster deploy). */
  run: EnvironmentRun | undefined;
  /** Every environment's channel tag (null: none), and the version the target's names, when known. */
  tags: Record<string, string | null>;
  namesVersion: string | undefined;
  quarantined: boolean;
  now: Date;
}

export function assembleRolloutPlan(inputs: PlanInputs): RolloutPlan {
  const { request, version, refusal, waves, run } = inputs;
  const fingerprint = fingerprintOf(inputs);
  const id = planId(request, fingerprint);
  const channel = version && request.environment ? plannedChannel(inputs, version) : undefined;
  return {
    id,
    bundle: request.bundle,
    reason: request.reason,
    automated: request.automated ?? false,
    ...(request.environment ? { environment: request.environment } : {}),
    ...(request.cluster ? { cluster: request.cluster } : {}),
    ...(version ?? {}),
    ...(run?.runs && run.digest ? { runs: { version: run.runs, digest: run.digest } } : {}),
    ...(channel ? { channel } : {}),
    waves,
    quarantined: inputs.quarantined,
    unchanged: version !== undefined && run?.digest === version.digest,
    ...(refusal ? { refusal } : {}),
    fingerprint,
    plannedAt: inputs.now.toISOString(),
  };
}

/** The tag transaction: where the tag goes, and where it goes back to if the rollout does not end healthy. */
function plannedChannel({ request, tags, run, namesVersion }: PlanInputs, version: VersionRef): PlannedChannel {
  const tag = request.environment!;
  const names = tags[tag] ?? undefined;
  // A tag someone else already moved to the version (a follow) goes back to what the environment ran whole.
  const putBackTo = names && names !== version.digest ? names : run?.digest;
  return {
    mode: request.channel ?? 'move',
    tag,
    ...(names ? { names } : {}),
    ...(namesVersion ? { namesVersion } : {}),
    to: version.digest,
    ...(putBackTo && putBackTo !== version.digest ? { putBackTo } : {}),
  };
}

function fingerprintOf({ version, waves, tags }: PlanInputs): RolloutFingerprint {
  const inventories: Record<string, string | null> = {};
  for (const c of waves.flatMap((w): PlannedCluster[] => w.clusters))
    if (c.inventory !== undefined) inventories[c.cluster] = c.inventory;
  return { digest: version?.digest ?? null, tags: { ...tags }, inventories };
}

function planId(request: RolloutRequest, fingerprint: RolloutFingerprint): string {
  const what = {
    bundle: request.bundle,
    reason: request.reason,
    environment: request.environment ?? null,
    cluster: request.cluster ?? null,
    fingerprint: {
      digest: fingerprint.digest,
      tags: Object.entries(fingerprint.tags).sort(),
      inventories: Object.entries(fingerprint.inventories).sort(),
    },
  };
  return `plan-${createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 16)}`;
}
