import { describe, expect, it } from 'vitest';
import { hasManager, renameManager, withoutManagers, type ManagedFieldsEntry } from './managed-fields.ts';

const drover: ManagedFieldsEntry = {
  manager: 'drover',
  operation: 'Apply',
  apiVersion: 'v1',
  fieldsV1: { 'f:data': {} },
};
const kubectl: ManagedFieldsEntry = {
  manager: 'kubectl-create',
  operation: 'Update',
  apiVersion: 'v1',
  fieldsV1: { 'f:data': { 'f:x': {} } },
};
const status: ManagedFieldsEntry = { manager: 'drover', operation: 'Apply', subresource: 'status', fieldsV1: {} };

describe('managed fields', () => {
  it.each([
    ['moves the legacy apply entry to the bundle', [kubectl, drover], [kubectl, { ...drover, manager: 'drover/web' }]],
    ['leaves a status subresource entry alone', [drover, status], [{ ...drover, manager: 'drover/web' }, status]],
    ['nothing to move without a legacy entry', [kubectl], null],
    ['an Update entry of the same name is not an apply', [{ ...drover, operation: 'Update' }], null],
    ['the bundle already has its own entry: not merged', [drover, { ...drover, manager: 'drover/web' }], null],
  ] as const)('renameManager: %s', (_name, entries, expected) => {
    expect(renameManager(entries, { from: 'drover', to: 'drover/web' })).toEqual(expected);
  });

  it.each([
    [
      'drops the named managers, keeps the others',
      [kubectl, drover, { ...drover, manager: 'drover/web' }],
      ['drover', 'drover/web'],
      [kubectl],
    ],
    ['keeps subresource entries', [drover, status], ['drover'], [status]],
    ['nothing left clears managedFields with one empty entry', [drover], ['drover'], [{}]],
  ] as const)('withoutManagers: %s', (_name, entries, managers, expected) => {
    expect(withoutManagers(entries, managers)).toEqual(expected);
  });

  it('hasManager looks at the main resource only', () => {
    expect(hasManager([status], 'drover')).toBe(false);
    expect(hasManager([drover], 'drover')).toBe(true);
  });
});
