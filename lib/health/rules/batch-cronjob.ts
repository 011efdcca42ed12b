/**
 * Health of a batch/CronJob: always Current. It only schedules Jobs; whether
 * a run succeeds is a property of that run, not of this release.
 *
 * @example
 *   cronJobHealth(cj) // => { status: 'Current', message: 'CronJob is scheduled: 0 3 * * *' }
 */
import type { KubeObject } from '../../object/ref.ts';
import { current, type HealthResult } from '../status.ts';

interface CronJobView {
  spec?: { schedule?: string; suspend?: boolean };
}

export function cronJobHealth(obj: KubeObject): HealthResult {
  const { spec = {} } = obj as CronJobView;
  if (spec.suspend) return current('CronJob is suspended', 'CronJobSuspended');
  return current(spec.schedule ? `CronJob is scheduled: ${spec.schedule}` : 'CronJob is scheduled');
}
