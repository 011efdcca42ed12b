/**
 * `drover promote B --to E [--version V] [--dry-run]`: move E's channel tag
 * to the version the previous environment runs healthy (or to V) and roll
 * it out; a version quarantined in E is refused unless named
 * (lib/rollout/choose-version.ts).
 *
 * @example
 *   const r = await promote({ ws, bundle: 'web', to: 'prod' });
 *   r.outcome // 'healthy'
 */
import type { RolloutResult } from '../rollout/outcome.ts';
import { type DeployOptions, planAndRun } from './deploy.ts';

export type PromoteOptions = Omit<DeployOptions, 'version' | 'environment' | 'cluster'> & {
  to: string;
  version?: string | undefined;
};

export function promote({ ws, bundle, to, version, shown, onEvent, signal }: PromoteOptions): Promise<RolloutResult> {
  return planAndRun({ ws, request: { bundle, environment: to, version, reason: 'promote' }, shown, onEvent, signal });
}
