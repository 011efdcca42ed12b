import { expect, it } from 'vitest';
import * as drift from './index.ts';

it('exposes exactly the pure drift API', () => {
  expect(Object.keys(drift).sort()).toEqual(['DROVER_MANAGER', 'assessMember', 'compareObject', 'delegatedPaths', 'listShape', 'managerSets', 'ownsPath', 'parseFieldsV1', 'parseQuantity']);
});
