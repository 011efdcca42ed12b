import { describe, expect, it } from 'vitest';
import { targetFor } from './targets.ts';

describe('targetFor', () => {
  const available = ['dev', 'prod', 'prod/c3'];
  it.each([
    ['its own target', 'prod', 'c3', 'prod/c3'],
    ["its environment's", 'prod', 'c2', 'prod'],
    ['dev', 'dev', 'c1', 'dev'],
    ['none for an environment without a target', 'staging', 'c4', undefined],
    ['none without an environment, unless a cluster target names it', undefined, 'c2', undefined],
    ['a cluster target without an environment', undefined, 'c3', 'prod/c3'],
  ] as [string, string | undefined, string, string | undefined][])('%s', (_name, environment, cluster, expected) => {
    expect(targetFor({ available, environment, cluster })).toBe(expected);
  });
  it('a version without targets has none to choose', () =>
    expect(targetFor({ available: [], environment: 'prod', cluster: 'c2' })).toBeUndefined());
});
