import { describe, expect, it } from 'vitest';
import { aggregate } from './aggregate.ts';
import type { HealthStatus } from './status.ts';

const cases: [HealthStatus[], HealthStatus][] = [
  [[], 'Current'],
  [['Current', 'Current'], 'Current'],
  [['Current', 'InProgress'], 'InProgress'],
  [['Current', 'Terminating'], 'InProgress'],
  [['Current', 'NotFound'], 'InProgress'],
  [['InProgress', 'Unknown', 'Current'], 'Unknown'],
  [['Unknown', 'Failed'], 'Failed'],
  [['Current', 'InProgress', 'Terminating', 'NotFound', 'Unknown', 'Failed'], 'Failed'],
];

describe('aggregate', () => {
  it.each(cases)('%j -> %s', (statuses, expected) => {
    expect(aggregate(statuses.map((status) => ({ status, message: '' })))).toBe(expected);
  });
});
