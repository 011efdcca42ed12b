import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors/errors.ts';
import { checkNameOwner, type NameOwner } from './name-owner.ts';

const bundle = { name: 'web', file: 'web/bundle.yaml' };

describe('checkNameOwner', () => {
  it.each([
    ['a name no source owns', undefined],
    ['a name the source itself owns', { source: 'apps', cut: true, left: null }],
  ] as [string, NameOwner | undefined][])('accepts %s', (_what, owner) => {
    expect(() => checkNameOwner({ bundle, source: 'apps', owner })).not.toThrow();
  });

  it.each([
    [
      'cut from another source',
      { source: 'apps', cut: true, left: null },
      /which cut its versions and keeps them, their registry repository and the bundle's clusters; not cut from other/,
    ],
    [
      'cut from another source whose head dropped it',
      { source: 'apps', cut: true, left: { commit: 'a'.repeat(40) } },
      /even though its head no longer declares it, since aaaaaaaaaaaa/,
    ],
    [
      'declared earlier in the same cut',
      { source: 'apps', cut: false, left: null },
      /which comes first in drover\.yaml and declares it too; not cut from other/,
    ],
  ] as [string, NameOwner, RegExp][])('refuses a name %s, naming both sources (a conflict)', (_what, owner, why) => {
    let err: unknown;
    try {
      checkNameOwner({ bundle, source: 'other', owner });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toMatch(
      /^web\/bundle\.yaml: bundle web is declared by source other, but the name belongs to source apps, /,
    );
    expect((err as Error).message).toMatch(why);
    expect((err as ConflictError).data).toEqual({
      bundle: 'web',
      file: 'web/bundle.yaml',
      source: 'other',
      owner: 'apps',
      reason: 'name-taken',
    });
  });
});
