// The judge compares on the fields Drover owns (lib/drift's DROVER_MANAGER);
// that is only right if it is the manager the cluster adapter applies with.
// Checked here, where the pure judgement and the adapter meet, so lib/drift
// imports no adapter, not even in a test.
import { expect, it } from 'vitest';
import { FIELD_MANAGER } from '../cluster/apply.ts';
import { DROVER_MANAGER } from '../drift/compare.ts';

it('judges on the field manager Drover applies with', () => {
  expect(DROVER_MANAGER).toBe(FIELD_MANAGER);
});
