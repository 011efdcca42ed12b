import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { assertRepository, assertTag, isRepository, isTag, joinRepository } from './names.ts';

describe('repository names', () => {
  it.each([
    ['web', true],
    ['drover/web', true],
    ['a/b/c-d/e.f/g_h/i__j/k---l', true],
    ['a0/1b', true],
    ['Web', false],
    ['web/', false],
    ['/web', false],
    ['a//b', false],
    ['a/-b', false],
    ['a/b.', false],
    ['a___b', false],
    ['a..b', false],
    ['../etc', false],
    ['a b', false],
    ['', false],
    ['a'.repeat(256), false],
  ])('isRepository(%j) = %s', (name, ok) => {
    expect(isRepository(name)).toBe(ok);
    if (!ok) expect(() => assertRepository(name)).toThrow(InvalidInputError);
  });

  it('joins a prefix and a bundle name', () => {
    expect(joinRepository({ name: 'web' })).toBe('web');
    expect(joinRepository({ prefix: 'team/apps/', name: 'web' })).toBe('team/apps/web');
    expect(() => joinRepository({ prefix: 'Team', name: 'web' })).toThrow(InvalidInputError);
  });
});

describe('tags', () => {
  it.each([
    ['1.2.3', true],
    ['prod', true],
    ['_x', true],
    ['v1.0.0-rc.1_build', true],
    ['A'.repeat(128), true],
    ['A'.repeat(129), false],
    ['-x', false],
    ['.x', false],
    ['a/b', false],
    ['a:b', false],
    ['', false],
  ])('isTag(%j) = %s', (tag, ok) => {
    expect(isTag(tag)).toBe(ok);
    if (ok) expect(assertTag(tag)).toBe(tag);
    else expect(() => assertTag(tag)).toThrow(InvalidInputError);
  });
});
