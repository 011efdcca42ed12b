/**
 * `drover rollback B --env E [--to V] [--dry-run]`: move E's channel tag
 * back (to V, or the previous version that ran healthy there) and roll it
 * out; the version rolled away from is quarantined so automation does not
 * bring it back (lib/rollout/quarantine-rule.ts).
 *
 * @example
 *   const r = await rollbackEnvironment({ ws, bundle: 'web', environment: 'prod' });
 *   r.quarantined // [{ version: '1.0.2', reason: 'rolled back to 1.0.1' }]
 */
import type { RolloutResult } from '../rollout/outcome.ts';
import { type DeployOptions, planAndRun } from './deploy.ts';

export type RollbackEnvironmentOptions = Omit<DeployOptions, 'version' | 'environment' | 'cluster'> & {
  environment: string;
  to?: string | undefined;
};

export function rollbackEnvironment({
  ws,
  bundle,
  environment,
  to,
  shown,
  onEvent,
  signal,
}: RollbackEnvironmentOptions): Promise<RolloutResult> {
  return planAndRun({ ws, request: { bundle, environment, version: to, reason: 'rollback' }, shown, onEvent, signal });
}
