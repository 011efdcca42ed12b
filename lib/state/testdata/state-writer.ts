// A process writing one state database as a release does (begin, steps, its
// lease taken and given back), for writers.test.ts's several writers at once.
// Prints how many of its rounds failed, and the first errors.
import { acquireLease, releaseLease } from '../leases.ts';
import { openState } from '../open.ts';
import { beginRelease, recordStep } from '../releases.ts';

const [path, who, rounds] = process.argv.slice(2) as [string, string, string];
const db = openState({ path });
const errors: string[] = [];
for (let i = 0; i < Number(rounds); i++) {
  try {
    const r = beginRelease(db, { bundle: 'web', cluster: `c${who}`, version: '1.0.0', digest: 'sha256:0' });
    recordStep(db, r.id, { state: 'applying', message: `round ${i}` });
    // Its own lease (another writer's would be a ConflictError, rightly): the transaction reads the holder, then writes.
    releaseLease(db, acquireLease(db, { bundle: 'web', cluster: `c${who}`, holder: `writer-${who}`, ttlMs: 60_000 }));
  } catch (err) {
    errors.push((err as Error).message);
  }
}
db.close();
process.stdout.write(JSON.stringify({ failed: errors.length, first: errors.slice(0, 3) }));
