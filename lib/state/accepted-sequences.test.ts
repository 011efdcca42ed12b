import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acceptSequence, lastAcceptedSequence, statusSubject } from './accepted-sequences.ts';
import { openState } from './open.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-sequences-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('accepted sequences', () => {
  it('only grow, per kind and subject, and survive reopening the database (a restart)', () => {
    const path = join(dir, 'state.db');
    const web = statusSubject({ cluster: 'c3', bundle: 'web' });
    let db = openState({ path });
    expect(lastAcceptedSequence(db, web)).toBeUndefined();
    acceptSequence(db, { ...web, sequence: 20 });
    acceptSequence(db, { ...web, sequence: 10 });
    acceptSequence(db, { kind: 'index', subject: 'c3/web', sequence: 5 });
    expect(lastAcceptedSequence(db, web)).toBe(20);
    db.close();
    db = openState({ path });
    expect(lastAcceptedSequence(db, web)).toBe(20);
    expect(lastAcceptedSequence(db, { kind: 'index', subject: 'c3/web' })).toBe(5);
    acceptSequence(db, { ...web, sequence: 21 });
    expect(lastAcceptedSequence(db, web)).toBe(21);
    db.close();
  });
});
