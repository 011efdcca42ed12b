/**
 * The signature gate of a rollout: in an environment with
 * `requireSignatures`, the version's manifest digest (the one recorded at
 * cut, which is what is then pulled and applied) must carry a signature by
 * a key the environment trusts (its `trustedKeys`, any one of them; else the
 * keys of drover.yaml's `signing`), checked before any object is applied. A refusal
 * becomes the plan's refusal, so the rollout ends `refused` with the reason
 * in the journal and nothing runs. A digest verified once is not asked again
 * in this process (lib/oci/verify-version-signature.ts caches it). An
 * environment without `requireSignatures` is not checked here.
 *
 * @example
 *   const refusal = await signatureRefusal({ ws, plan, signal });
 */
import { readTrustedKeys } from '../config/signing-keys.ts';
import { environmentOf, environmentOfCluster } from '../config/lookups.ts';
import { type Digest, verifyVersionSignature } from '../oci/index.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { PlanRefusal, RolloutPlan } from './plan.ts';

export async function signatureRefusal({
  ws,
  plan,
  signal,
}: {
  ws: Workspace;
  plan: Pick<RolloutPlan, 'bundle' | 'environment' | 'cluster' | 'version' | 'digest'>;
  signal?: AbortSignal | undefined;
}): Promise<PlanRefusal | undefined> {
  const e = plan.environment
    ? environmentOf(ws.config, plan.environment)
    : plan.cluster
      ? environmentOfCluster(ws.config, plan.cluster)
      : undefined;
  if (!e?.requireSignatures || !plan.digest) return undefined;
  const what = `${plan.bundle}@${plan.version ?? '?'} (${plan.digest})`;
  const trustedKeys = await readTrustedKeys({ config: ws.config, env: ws.env, environment: e, signal });
  if (trustedKeys.length === 0)
    return {
      reason: 'SignatureRefused',
      message: `${what}: environment ${e.name} requires signatures and drover.yaml trusts no key (signing, or the environment's trustedKeys)`,
      data: { signature: 'no-trusted-key', digest: plan.digest, environment: e.name },
    };
  const store = ws.stores.open(plan.bundle);
  const v = await verifyVersionSignature({ store, digest: plan.digest as Digest, trustedKeys, signal });
  if (v.ok) return undefined;
  return {
    reason: 'SignatureRefused',
    message: `${what} refused before any apply in ${e.name}: ${v.reason}: ${v.detail}`,
    data: {
      signature: v.reason,
      digest: plan.digest,
      environment: e.name,
      trustedKeys: trustedKeys.map((k) => k.keyId),
    },
  };
}
