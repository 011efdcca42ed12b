import { describe, expect, it } from 'vitest';
import schema from '../../schemas/drover.schema.json' with { type: 'json' };
import { DEFAULT_TREE_LIMITS } from '../source/index.ts';
import { assembleLimits } from './assemble.ts';
import { resolveConfig } from './config.ts';

const file = '/work/app/drover.yaml';
const base = {
  apiVersion: 'drover.dev/v1alpha1',
  kind: 'Config',
  sources: [{ name: 'apps', url: 'http://git.example/apps.git' }],
};

describe('limits', () => {
  it('defaults to the numbers lib/source falls back to, which the schema documents', () => {
    expect(resolveConfig({ doc: base, file }).limits).toEqual(DEFAULT_TREE_LIMITS);
    expect(assembleLimits()).toEqual(DEFAULT_TREE_LIMITS);
    const documented = Object.fromEntries(
      Object.entries(schema.properties.limits.properties).map(([k, v]) => [k, v.default]),
    );
    expect(documented).toEqual(DEFAULT_TREE_LIMITS);
  });

  it('takes what drover.yaml sets and defaults the rest', () => {
    expect(resolveConfig({ doc: { ...base, limits: { treeDepth: 8 } }, file }).limits).toEqual({
      ...DEFAULT_TREE_LIMITS,
      treeDepth: 8,
    });
  });

  it.each([
    [{ treeDepth: 0 }, '/limits/treeDepth must be >= 1'],
    [{ treeEntries: 1.5 }, '/limits/treeEntries must be integer'],
    [{ treeFiles: 3 }, '/limits must NOT have additional properties'],
  ])('refuses %j', (limits, problem) => {
    expect(() => resolveConfig({ doc: { ...base, limits }, file })).toThrow(problem);
  });
});
