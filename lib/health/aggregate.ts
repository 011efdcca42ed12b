/**
 * The health of many objects as one status.
 *
 * @example
 *   aggregate([{ status: 'Current', message: '' }, { status: 'InProgress', message: '' }]) // => 'InProgress'
 */
import type { HealthResult, HealthStatus } from './status.ts';

/**
 * Any Failed -> Failed; else any Unknown -> Unknown; else any InProgress,
 * Terminating or NotFound -> InProgress; else (all Current, or none) -> Current.
 */
export function aggregate(results: readonly Pick<HealthResult, 'status'>[]): HealthStatus {
  const seen = new Set(results.map((r) => r.status));
  if (seen.has('Failed')) return 'Failed';
  if (seen.has('Unknown')) return 'Unknown';
  if (seen.has('InProgress') || seen.has('Terminating') || seen.has('NotFound')) return 'InProgress';
  return 'Current';
}
