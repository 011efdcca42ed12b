import { expect, it } from 'vitest';
import * as drift from './index.ts';

it('exposes exactly the public drift API', () => {
  expect(Object.keys(drift).sort()).toEqual([
    'ClusterMonitor',
    'DROVER_MANAGER',
    'INVENTORY_LABEL',
    'assessMember',
    'compareObject',
    'delegatedPaths',
    'healBlocker',
    'healBundle',
    'listShape',
    'managerSets',
    'ownsPath',
    'parseFieldsV1',
    'parseQuantity',
    'recordObservation',
  ]);
});
