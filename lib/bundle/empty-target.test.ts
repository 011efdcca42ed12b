import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { checkTargetNotEmpty } from './empty-target.ts';

const bundle = (allowEmpty: boolean) => ({ name: 'web', file: 'web/bundle.yaml', spec: { allowEmpty } });

describe('checkTargetNotEmpty', () => {
  it.each([
    ['a named target', 'prod', /^web\/bundle\.yaml: target prod of web renders no objects; set spec\.allowEmpty/],
    ['a bundle without targets', undefined, /^web\/bundle\.yaml: bundle web renders no objects; set spec\.allowEmpty/],
  ])('refuses %s with no members, naming the bundle file and target', (_what, target, message) => {
    let err: unknown;
    try {
      checkTargetNotEmpty({ bundle: bundle(false), target, members: [] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(message);
    expect((err as InvalidInputError).data).toEqual({
      bundle: 'web',
      file: 'web/bundle.yaml',
      ...(target ? { target } : {}),
      reason: 'empty-target',
    });
  });

  it.each([
    ['an empty target with spec.allowEmpty', true, []],
    ['a target with members', false, [{}]],
  ])('accepts %s', (_what, allowEmpty, members) => {
    expect(() => checkTargetNotEmpty({ bundle: bundle(allowEmpty), target: 'prod', members })).not.toThrow();
  });
});
