import { describe, expect, it } from 'vitest';
import { confirmPlan } from './confirm-plan.ts';
import { staleReasons } from './fingerprint.ts';
import type { RolloutFingerprint, RolloutPlan } from './plan.ts';

const a = `sha256:${'a'.repeat(64)}`;
const b = `sha256:${'b'.repeat(64)}`;
const fp = (f: Partial<RolloutFingerprint> = {}): RolloutFingerprint => ({
  digest: a,
  tags: { dev: a, prod: b },
  inventories: { c2: b, c3: b },
  ...f,
});

describe('staleReasons', () => {
  it.each([
    ['nothing changed', fp(), []],
    [
      'the prod tag moved',
      fp({ tags: { dev: a, prod: a } }),
      [`the prod tag moved from ${b.slice(0, 19)}… to ${a.slice(0, 19)}…`],
    ],
    [
      'a tag appeared',
      fp({ tags: { dev: a, prod: b, staging: a } }),
      [`the staging tag moved from nothing to ${a.slice(0, 19)}…`],
    ],
    [
      'the version is another digest',
      fp({ digest: b }),
      [`the version is now ${b.slice(0, 19)}… (the plan showed ${a.slice(0, 19)}…)`],
    ],
    [
      'a cluster runs something else',
      fp({ inventories: { c2: a, c3: b } }),
      [`c2 now runs ${a.slice(0, 19)}… (the plan showed ${b.slice(0, 19)}…)`],
    ],
    ['a cluster not read now is not compared', fp({ inventories: { c3: b } }), []],
  ])('%s', (_what, now, expected) => {
    expect(staleReasons(fp(), now)).toEqual(expected);
  });
});

describe('confirmPlan', () => {
  const plan = (f: RolloutFingerprint) => ({ id: 'plan-1', bundle: 'web', fingerprint: f }) as RolloutPlan;

  it('keeps the plan made now when what was shown still holds', () => {
    const now = plan(fp());
    expect(confirmPlan(plan(fp()), now)).toBe(now);
  });

  it('refuses it as stale, naming each difference', () => {
    const r = confirmPlan(plan(fp()), plan(fp({ tags: { dev: a, prod: a } })));
    expect(r.refusal).toEqual({
      reason: 'Stale',
      message: `the plan shown (plan-1) is stale, plan again: the prod tag moved from ${b.slice(0, 19)}… to ${a.slice(0, 19)}…`,
      data: { plan: 'plan-1', differences: [`the prod tag moved from ${b.slice(0, 19)}… to ${a.slice(0, 19)}…`] },
    });
  });
});
