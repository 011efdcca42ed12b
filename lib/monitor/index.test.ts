import { expect, it } from 'vitest';
import * as monitor from './index.ts';

it('exposes exactly the drift monitor API', () => {
  expect(Object.keys(monitor).sort()).toEqual(['ClusterMonitor', 'INVENTORY_LABEL', 'healBlocker', 'healBundle', 'recordObservation', 'startDriftMonitor']);
});
