// Several processes writing one state database at once, as `drover serve`
// and CLI verbs (or several CLI verbs) do: real processes, a real file. A
// transaction that reads before it writes (a release's next step number, a
// lease's holder) must not fail with "database is locked" because another
// process wrote in between; every write transaction is IMMEDIATE, so it
// waits for the lock instead.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openState } from './open.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-state-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the state database with several writing processes', () => {
  it('four processes recording releases and taking their leases at once: no write fails, none is lost', async () => {
    const path = join(dir, 'state.db');
    openState({ path }).close();
    const rounds = 150;
    const writers = await Promise.all(
      ['1', '2', '3', '4'].map(async (who) => {
        const { stdout } = await promisify(execFile)(process.execPath, [
          join(import.meta.dirname, 'testdata', 'state-writer.ts'),
          path,
          who,
          String(rounds),
        ]);
        return JSON.parse(stdout) as { failed: number; first: string[] };
      }),
    );
    expect(writers).toEqual(Array.from({ length: 4 }, () => ({ failed: 0, first: [] })));
    const db = openState({ path });
    try {
      expect((db.prepare('SELECT COUNT(*) AS n FROM releases').get() as { n: number }).n).toBe(4 * rounds);
      // Each release: its planned step and the one recorded after.
      expect((db.prepare('SELECT COUNT(*) AS n FROM release_steps').get() as { n: number }).n).toBe(4 * rounds * 2);
      // Every lease taken was given back.
      expect((db.prepare('SELECT COUNT(*) AS n FROM leases').get() as { n: number }).n).toBe(0);
    } finally {
      db.close();
    }
    // Four node processes starting and writing 600 transactions: seconds on a loaded 2-core machine, not a timing claim.
  }, 30_000);
});
