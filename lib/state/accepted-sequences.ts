/**
 * The last sequence a reader accepted of each signed agent-protocol document
 * (docs/agent-protocol.md, protocol 2): the hub's per agent status
 * (`status`, `<cluster>/<bundle>`) and per index it wrote (`index`, the
 * environment), an agent's per index it followed. Kept in the state
 * database so a restart does not re-open a replay: a document older than one
 * accepted before the restart is still refused after it. The sequence only
 * ever grows here (a lower one is ignored).
 *
 * @example
 *   lastAcceptedSequence(db, { kind: 'status', subject: 'c3/web' }) // 1765170000000 | undefined
 *   acceptSequence(db, { kind: 'status', subject: 'c3/web', sequence });
 */
import type { StateDb } from './open.ts';

export type SequenceKind = 'status' | 'index';

export interface SequenceSubject {
  kind: SequenceKind;
  subject: string;
}

/** The subject of a cluster's status of one bundle. */
export const statusSubject = ({ cluster, bundle }: { cluster: string; bundle: string }): SequenceSubject => ({
  kind: 'status',
  subject: `${cluster}/${bundle}`,
});

export function lastAcceptedSequence(db: StateDb, { kind, subject }: SequenceSubject): number | undefined {
  const row = db
    .prepare('SELECT sequence FROM accepted_sequences WHERE kind = ? AND subject = ?')
    .get(kind, subject) as { sequence: number } | undefined;
  return row?.sequence;
}

/** Records `sequence` as accepted, unless a higher one already was. */
export function acceptSequence(db: StateDb, { kind, subject, sequence }: SequenceSubject & { sequence: number }): void {
  db.prepare(
    `INSERT INTO accepted_sequences (kind, subject, sequence, accepted_at) VALUES (?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET sequence = excluded.sequence, accepted_at = excluded.accepted_at
     WHERE excluded.sequence > accepted_sequences.sequence`,
  ).run(kind, subject, sequence, new Date().toISOString());
}
