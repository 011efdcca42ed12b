import { describe, expect, it } from 'vitest';
import type { RolloutPlan } from '../rollout/plan.ts';
import { createPlanMemory } from './plan-memory.ts';

const plan = (id: string) => ({ id }) as RolloutPlan;

describe('createPlanMemory', () => {
  it('recalls a plan shown, refuses an unknown one and one past its time', () => {
    let t = 0;
    const plans = createPlanMemory({ ttlMs: 1000, now: () => t });
    plans.remember(plan('plan-a'));
    expect(plans.recall('plan-a').id).toBe('plan-a');
    expect(() => plans.recall('plan-b')).toThrow(/plan plan-b is unknown or expired/);
    t = 1001;
    expect(() => plans.recall('plan-a')).toThrow(expect.objectContaining({ code: 'E_CONFLICT' }));
  });

  it('keeps at most `max` plans, dropping the oldest', () => {
    const plans = createPlanMemory({ max: 2 });
    for (const id of ['a', 'b', 'c']) plans.remember(plan(id));
    expect(() => plans.recall('a')).toThrow();
    expect(plans.recall('b').id).toBe('b');
    expect(plans.recall('c').id).toBe('c');
  });
});
