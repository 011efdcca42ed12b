import { expect, it } from 'vitest';
import * as monitor from './index.ts';

it('exposes exactly the public monitor API', () => {
  expect(Object.keys(monitor).sort()).toEqual([
    'ClusterMonitor',
    'HEAL_RETRY_BACKOFF',
    'INVENTORY_LABEL',
    'healBlocker',
    'healBundle',
    'recordObservation',
    'resolveGone',
    'startDriftMonitor',
  ]);
});
