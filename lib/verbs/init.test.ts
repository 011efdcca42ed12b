import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveConfig } from '../config/config.ts';
import { assembleInitConfig } from './init.ts';

describe('assembleInitConfig', () => {
  it.each([
    [{}, 0],
    [{ source: 'https://git.example/apps.git', contexts: ['c1', 'c2', 'c3'] }, 3],
  ])('writes a config that passes the schema (%j)', (opts, envs) => {
    const config = resolveConfig({ doc: parse(assembleInitConfig(opts)), file: '/w/drover.yaml' });
    expect(config.environments).toHaveLength(envs);
    expect(config.sources[0]?.name).toBe('manifests');
  });

  it('makes the first environment automatic and the rest manual', () => {
    const config = resolveConfig({ doc: parse(assembleInitConfig({ contexts: ['a', 'b'] })), file: '/w/drover.yaml' });
    expect(config.environments.map((e) => [e.name, e.promotion.mode])).toEqual([
      ['dev', 'auto'],
      ['staging', 'manual'],
    ]);
  });
});
