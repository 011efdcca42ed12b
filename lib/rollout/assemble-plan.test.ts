import { describe, expect, it } from 'vitest';
import { assembleRolloutPlan, type PlanInputs } from './assemble-plan.ts';
import type { PlannedWave } from './plan.ts';

const d1 = `sha256:${'1'.repeat(64)}`;
const d2 = `sha256:${'2'.repeat(64)}`;
const d3 = `sha256:${'3'.repeat(64)}`;
const waves: PlannedWave[] = [
  { clusters: [{ cluster: 'c2', wave: 1, mode: 'push', runs: { version: '1.0.1', digest: d1 }, inventory: d1 }] },
  { clusters: [{ cluster: 'c3', wave: 2, mode: 'agent', runs: null, inventory: null }] },
];
const inputs = (p: Partial<PlanInputs> = {}): PlanInputs => ({
  request: { bundle: 'web', environment: 'prod', reason: 'promote' },
  version: { version: '1.0.2', digest: d2 },
  refusal: undefined,
  waves,
  run: { runs: '1.0.1', digest: d1, notHealthy: [], clusters: [] },
  tags: { dev: d2, prod: d1 },
  namesVersion: '1.0.1',
  quarantined: false,
  now: new Date('2026-12-07T00:00:00Z'),
  ...p,
});

describe('assembleRolloutPlan', () => {
  it('moves the tag to the version and would put it back to what it named', () => {
    const plan = assembleRolloutPlan(inputs());
    expect(plan).toMatchObject({
      bundle: 'web',
      reason: 'promote',
      automated: false,
      environment: 'prod',
      version: '1.0.2',
      digest: d2,
      runs: { version: '1.0.1', digest: d1 },
      channel: { mode: 'move', tag: 'prod', names: d1, namesVersion: '1.0.1', to: d2, putBackTo: d1 },
      unchanged: false,
      fingerprint: { digest: d2, tags: { dev: d2, prod: d1 }, inventories: { c2: d1, c3: null } },
      plannedAt: '2026-12-07T00:00:00.000Z',
    });
    expect(plan.refusal).toBeUndefined();
  });

  it('a tag someone else moved to the version (a follow) goes back to what the environment ran whole', () => {
    const plan = assembleRolloutPlan(
      inputs({ request: { bundle: 'web', environment: 'prod', reason: 'follow' }, tags: { dev: d2, prod: d2 } }),
    );
    expect(plan.channel).toMatchObject({ names: d2, to: d2, putBackTo: d1 });
  });

  it('nothing to put back to when the environment ran nothing whole and the tag was not elsewhere', () => {
    const plan = assembleRolloutPlan(
      inputs({ run: { notHealthy: ['c2'], clusters: [] }, tags: { dev: d2, prod: null } }),
    );
    expect(plan.channel).toEqual({ mode: 'move', tag: 'prod', namesVersion: '1.0.1', to: d2 });
  });

  it('the same request and fingerprint give the same id; a moved tag another', () => {
    const a = assembleRolloutPlan(inputs());
    expect(assembleRolloutPlan(inputs({ now: new Date() })).id).toBe(a.id);
    expect(assembleRolloutPlan(inputs({ tags: { dev: d3, prod: d1 } })).id).not.toBe(a.id);
    expect(a.id).toMatch(/^plan-[0-9a-f]{16}$/);
  });

  it('a version the environment already runs whole is unchanged; a refusal carries no channel', () => {
    expect(assembleRolloutPlan(inputs({ version: { version: '1.0.1', digest: d1 } })).unchanged).toBe(true);
    const refused = assembleRolloutPlan(
      inputs({ version: undefined, refusal: { reason: 'NotHealthyInPrevious', message: 'no', data: {} } }),
    );
    expect(refused.refusal?.reason).toBe('NotHealthyInPrevious');
    expect(refused.channel).toBeUndefined();
    expect(refused.fingerprint.digest).toBeNull();
  });

  it('a deploy to one cluster has no channel and no environment', () => {
    const plan = assembleRolloutPlan(
      inputs({ request: { bundle: 'web', cluster: 'c2', reason: 'deploy' }, run: undefined }),
    );
    expect(plan.channel).toBeUndefined();
    expect(plan.environment).toBeUndefined();
    expect(plan.cluster).toBe('c2');
  });
});
