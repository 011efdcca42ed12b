import { describe, expect, it } from 'vitest';
import { bundleKey, parseTaskKey, sourceKey } from './task-key.ts';

describe('task keys', () => {
  it.each([
    ['bundle:web', { kind: 'bundle', name: 'web' }],
    ['source:shop', { kind: 'source', name: 'shop' }],
    ['bundle:a:b', { kind: 'bundle', name: 'a:b' }],
    ['bundle:', { kind: 'bundle', name: '' }],
    ['web', undefined],
    ['cluster:prod', undefined],
    [':web', undefined],
  ])('parses %s', (key, task) => {
    expect(parseTaskKey(key)).toEqual(task);
  });

  it('makes the keys the parser reads back', () => {
    expect(bundleKey('web')).toBe('bundle:web');
    expect(sourceKey('shop')).toBe('source:shop');
    expect(parseTaskKey(bundleKey('web'))).toEqual({ kind: 'bundle', name: 'web' });
    expect(parseTaskKey(sourceKey('a:b'))).toEqual({ kind: 'source', name: 'a:b' });
  });
});
