import { describe, expect, it } from 'vitest';
import { openState } from './open.ts';
import { releaseWithSteps } from './queries.ts';
import { recordRelease as release } from './testdata/journal.ts';

describe('releaseWithSteps', () => {
  it('reads a release with its steps', () => {
    const db = openState({ path: ':memory:' });
    release(db, 'c1', '1.0.0', 'succeeded');
    expect(releaseWithSteps(db, 1)?.steps.map((s) => s.state)).toEqual(['planned', 'applying', 'succeeded']);
    expect(releaseWithSteps(db, 2)).toBeUndefined();
  });
});
