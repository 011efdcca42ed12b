/**
 * A release's dry run: every member it is about to write is server-side
 * applied with `dryRun`, in parallel with a bound, before any is written for
 * real, so a bad Deployment is found before a ConfigMap changes. Any refusal
 * fails the release with every refused member listed (`failures`); a field
 * another manager holds on a shared member is a conflict that names them. An
 * immutable-field change the policy allows to recreate cannot pass a dry run
 * and is left to the apply step.
 *
 * @example
 *   const dryRun = await dryRunMembers({ cluster, desired, live, policy, manager, forceOf, concurrency: 16, signal });
 *   dryRun.get(keyOf(deployment)) // the Deployment as the server would store it
 */
import type { BundlePolicy } from '../bundle/policy.ts';
import { applyObject } from '../cluster/apply.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { fieldConflicts, kubeCause } from '../cluster/kube-error.ts';
import { type ObjectFailure, ReleaseFailedError, toDroverError } from '../errors/errors.ts';
import { settleLimit } from '../foundation/map-limit.ts';
import { formatRef, keyOf, type KubeObject, refOf } from '../object/ref.ts';
import { conflictError } from './apply-members.ts';

/** Dry-runs every desired member; any refusal fails the release before anything is applied. */
export async function dryRunMembers({
  cluster,
  desired,
  live,
  policy,
  manager,
  forceOf,
  concurrency,
  signal,
}: {
  cluster: Cluster;
  desired: KubeObject[];
  live: Map<string, KubeObject | null>;
  policy: BundlePolicy;
  manager: string;
  forceOf: (o: KubeObject) => boolean;
  concurrency: number;
  signal?: AbortSignal;
}): Promise<Map<string, KubeObject>> {
  const out = new Map<string, KubeObject>();
  const settled = await settleLimit(desired, concurrency, async (object) => {
    try {
      const r = await applyObject(cluster, {
        object,
        dryRun: true,
        manager,
        force: forceOf(object),
        signal,
        before: live.get(keyOf(object)) ?? null,
      });
      out.set(keyOf(object), r.object);
    } catch (err) {
      const conflicts = fieldConflicts(err);
      if (conflicts.length > 0) throw conflictError(cluster.name, formatRef(refOf(object)), 'shared', conflicts, err);
      // An immutable change the policy allows to recreate cannot pass a dry run; the apply step recreates it.
      if (kubeCause(err)?.immutable && policy.recreateOnImmutableChange) return;
      throw err;
    }
  });
  const failures: ObjectFailure[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'rejected') failures.push({ ref: formatRef(refOf(desired[i]!)), error: toDroverError(s.reason) });
  });
  if (failures.length > 0) throw dryRunRefused(cluster.name, failures);
  return out;
}

/** The error of a dry run that refused `failures` (at least one): the first one's message, every one in `data.failures`. */
function dryRunRefused(cluster: string, failures: ObjectFailure[]): ReleaseFailedError {
  const first = failures[0]!;
  const immutable = kubeCause(first.error.cause)?.immutable ?? kubeCause(first.error)?.immutable;
  return new ReleaseFailedError(
    `${cluster}: dry run refused ${failures.length} object(s), nothing was applied: ${first.error.message}${immutable ? ' (a field that cannot change after creation changed; set spec.recreateOnImmutableChange in the Bundle to allow delete-and-recreate)' : ''}`,
    {
      data: {
        ref: first.ref,
        reason: immutable ? 'ImmutableFieldChanged' : 'DryRunFailed',
        failures: failures.map((f) => ({ ref: f.ref, error: f.error.toJSON() })),
      },
    },
  );
}
