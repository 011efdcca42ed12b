/**
 * The cut-history gate of a hub's rollout: the digest a rollout is about to
 * apply must be the one this hub's journal recorded when it cut that
 * bundle@version (lib/state/versions.ts). A channel tag moved by hand to a
 * digest Drover never cut here (a genuine-format artifact of another Drover
 * copied in with `oras copy` included: its format and its own signature
 * may well be right) is refused, reason `NotCutHere`, before any object is
 * applied, whether or not the environment requires signatures: a signature
 * says who made a version, the history says this hub made it. Pure over the
 * journal: no registry request.
 *
 * An agent's rollout (`channel: 'follow'`: it only follows the tag its hub
 * moves, and its own state records no cut) is not checked here; it relies on
 * the signature.
 *
 * @example
 *   historyRefusal({ db, plan: { bundle: 'web', version: '6.6.6', digest, channel } })
 *   // { reason: 'NotCutHere', message: 'web@6.6.6 (sha256:...) is not a version this hub cut: ...', data }
 */
import type { StateDb } from '../state/open.ts';
import { getVersion, listVersions } from '../state/versions.ts';
import type { PlanRefusal, RolloutPlan } from './plan.ts';

export function historyRefusal({
  db,
  plan,
}: {
  db: StateDb;
  plan: Pick<RolloutPlan, 'bundle' | 'version' | 'digest'> & {
    channel?: Pick<NonNullable<RolloutPlan['channel']>, 'mode'>;
  };
}): PlanRefusal | undefined {
  const { bundle, version, digest } = plan;
  if (!digest || plan.channel?.mode === 'follow') return undefined;
  const recorded = version ? getVersion(db, bundle, version) : undefined;
  if (recorded?.digest === digest) return undefined;
  // The same digest under another name would be another artifact (the version is in the config the digest covers): say what the journal knows.
  const byDigest = listVersions(db, bundle).find((v) => v.digest === digest);
  const knows = recorded
    ? `the journal records ${bundle}@${recorded.version} as ${recorded.digest}`
    : byDigest
      ? `the journal records that digest as ${bundle}@${byDigest.version}`
      : `the journal records no ${bundle}@${version ?? '?'} (drover versions ${bundle} lists what this hub cut)`;
  return {
    reason: 'NotCutHere',
    message: `${bundle}@${version ?? '?'} (${digest}) is not a version this hub cut: ${knows}; refused before any apply`,
    data: { bundle, version: version ?? null, digest, recorded: recorded?.digest ?? null },
  };
}
