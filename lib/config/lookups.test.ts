import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors/errors.ts';
import { assembleConfig } from './assemble.ts';
import { agentClustersOf, environmentOf, environmentOfCluster, isAgentCluster } from './lookups.ts';

const config = assembleConfig({
  doc: {
    sources: [],
    clusters: [{ name: 'c1' }, { name: 'c2' }, { name: 'c3', mode: 'agent' }],
    environments: [
      { name: 'dev', clusters: ['c1'] },
      { name: 'prod', clusters: ['c2', 'c3'] },
    ],
  },
  file: '/work/app/drover.yaml',
});

describe('config lookups', () => {
  it('finds an environment by name, and refuses an unknown one naming the file', () => {
    expect(environmentOf(config, 'prod').clusters).toEqual(['c2', 'c3']);
    expect(() => environmentOf(config, 'qa')).toThrow(NotFoundError);
    expect(() => environmentOf(config, 'qa')).toThrow('/work/app/drover.yaml: no environment named qa');
  });

  it.each([
    ['c1', 'dev', false],
    ['c3', 'prod', true],
    ['c9', undefined, false],
  ])('cluster %s: environment %s, agent %s', (cluster, environment, agent) => {
    expect(environmentOfCluster(config, cluster)?.name).toBe(environment);
    expect(isAgentCluster(config, cluster)).toBe(agent);
  });

  it("lists an environment's agent clusters", () => {
    expect(agentClustersOf(config, environmentOf(config, 'prod'))).toEqual(['c3']);
    expect(agentClustersOf(config, environmentOf(config, 'dev'))).toEqual([]);
  });
});
