import { describe, expect, it } from 'vitest';

import { keyOf, type KubeObject } from '../object/ref.ts';
import { settledMembers } from './settled.ts';

const cm = (data: Record<string, string>, managedFields?: unknown[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'web',
    namespace: 'shop',
    ...(managedFields ? { managedFields, resourceVersion: '7', uid: 'u1' } : {}),
  },
  data,
});
const owned = (manager: string, keys: string[]) => ({
  manager,
  operation: manager === 'drover' ? 'Apply' : 'Update',
  apiVersion: 'v1',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:data': Object.fromEntries(keys.map((k) => [`f:${k}`, {}])) },
});
const desired = cm({ LOG_LEVEL: 'info', MODE: 'prod' });
const settledFor = (live: KubeObject | null, sameVersion = true) => [
  ...settledMembers({ desired: [desired], live: new Map([[keyOf(desired), live]]), sameVersion }),
];

describe('settledMembers', () => {
  it.each([
    [
      'the cluster runs this version and Drover still owns every field',
      cm({ LOG_LEVEL: 'info', MODE: 'prod' }, [owned('drover', ['LOG_LEVEL', 'MODE'])]),
      true,
      [keyOf(desired)],
    ],
    [
      'a field Drover set now belongs to kubectl-edit with another value',
      cm({ LOG_LEVEL: 'debug', MODE: 'prod' }, [owned('drover', ['MODE']), owned('kubectl-edit', ['LOG_LEVEL'])]),
      true,
      [],
    ],
    [
      'another manager added a field of its own',
      cm({ LOG_LEVEL: 'info', MODE: 'prod', EXTRA: 'x' }, [
        owned('drover', ['LOG_LEVEL', 'MODE']),
        owned('other', ['EXTRA']),
      ]),
      true,
      [keyOf(desired)],
    ],
    ['a field Drover set is gone', cm({ MODE: 'prod' }, [owned('drover', ['MODE'])]), true, []],
    ['the object is missing', null, true, []],
    [
      'another version is released (even with identical live objects)',
      cm({ LOG_LEVEL: 'info', MODE: 'prod' }, [owned('drover', ['LOG_LEVEL', 'MODE'])]),
      false,
      [],
    ],
  ])('%s', (_what, live, sameVersion, want) => {
    expect(settledFor(live, sameVersion)).toEqual(want);
  });

  it('an object being deleted is never settled', () => {
    const live = cm({ LOG_LEVEL: 'info', MODE: 'prod' }, [owned('drover', ['LOG_LEVEL', 'MODE'])]);
    live.metadata.deletionTimestamp = '2026-12-01T00:00:00Z';
    expect(settledFor(live)).toEqual([]);
  });
});
