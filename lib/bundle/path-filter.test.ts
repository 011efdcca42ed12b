import { describe, expect, it } from 'vitest';
import { checkPathPattern, compilePathFilter, isManifestPath } from './path-filter.ts';

describe('compilePathFilter', () => {
  it.each([
    [[], 'anything/at/all.yaml', true],
    [['apps'], 'apps/web/d.yaml', true],
    [['apps'], 'apps', true],
    [['apps'], 'apps2/d.yaml', false],
    [['apps/web'], 'apps/website/d.yaml', false],
    [['apps/*/base'], 'apps/web/base/k.yaml', true],
    [['apps/*/base'], 'apps/web/overlay/k.yaml', false],
    [['apps/*.yaml'], 'apps/a.yaml', true],
    [['apps/*.yaml'], 'apps/x/a.yaml', false],
    [['**/*.yaml'], 'a/b/c.yaml', true],
    [['**/*.yaml'], 'c.yaml', true],
    [['infra/**/cm.yaml'], 'infra/cm.yaml', true],
    [['infra/**/cm.yaml'], 'infra/a/b/cm.yaml', true],
    [['infra/**'], 'infra/a/b', true],
    [['a?c'], 'abc/x', true],
    [['a.c'], 'abc/x', false],
    [['x', 'y/*'], 'y/z', true],
  ])('%j matches %s: %s', (patterns, path, want) => {
    expect(compilePathFilter(patterns).matches(path)).toBe(want);
  });

  it.each([
    [['apps/web'], 'apps', true],
    [['apps/web'], 'apps/web', true],
    [['apps/web'], 'apps/web/x', true],
    [['apps/web'], 'apps/api', false],
    [['apps/web'], 'docs', false],
    [['apps/*/base'], 'apps/x/y', true],
    [['apps/*/base'], 'lib', false],
    [['**/*.yaml'], 'anything', true],
  ])('%j may contain %s: %s', (patterns, dir, want) => {
    expect(compilePathFilter(patterns).mayContain(dir)).toBe(want);
  });
});

describe('checkPathPattern', () => {
  it.each([
    ['./apps/', 'apps'],
    ['apps//', 'apps'],
    ['a/*/b', 'a/*/b'],
  ])('%j -> %j', (p, want) => {
    expect(checkPathPattern(p)).toBe(want);
  });
  it.each(['', '.', '/abs', 'a/../b', 'a//b', 'a\\b', 'a/[ab]'])('rejects %j', (p) => {
    expect(() => checkPathPattern(p)).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }));
  });
});

describe('isManifestPath', () => {
  it.each([
    ['a/b.yaml', true],
    ['a/b.YML', true],
    ['b.json', true],
    ['b.yaml.txt', false],
    ['README.md', false],
  ])('%s: %s', (p, want) => {
    expect(isManifestPath(p)).toBe(want);
  });
});
