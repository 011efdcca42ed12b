import { expect, it } from 'vitest';
import * as drift from './index.ts';

it('exposes exactly the public drift API', () => {
  // The monitor's part of what was once here (ClusterMonitor, INVENTORY_LABEL, heals, recordObservation) is asserted in lib/monitor/index.test.ts.
  expect(Object.keys(drift).sort()).toEqual([
    'DROVER_MANAGER',
    'assessMember',
    'compareObject',
    'delegatedPaths',
    'listShape',
    'managerSets',
    'ownsPath',
    'parseFieldsV1',
    'parseQuantity',
  ]);
});
