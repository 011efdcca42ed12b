/**
 * Channel reads: per (bundle, environment), the digest the channel tag was
 * last read to name in the registry (null: no such tag), and when. The tag
 * watch writes a whole round in one transaction; the dashboard shows it next
 * to the channel mark (what Drover last set or followed), so a tag someone
 * moved and Drover has not followed (or refused) shows as what it is, and
 * how fresh that knowledge is. Losing the table loses nothing: the next
 * round writes it again.
 *
 * @example
 *   recordChannelReads(db, [{ bundle: 'web', environment: 'prod', digest, at: startedAt }]);
 *   channelRead(db, { bundle: 'web', environment: 'prod' }) // { digest, at } | undefined
 */
import type { StateDb } from './open.ts';

export interface ChannelRead {
  bundle: string;
  environment: string;
  digest: string | null;
  /** When the read began: a move Drover made while it was under way is newer, and wins. */
  at: string;
}

/** A round's reads; the tags it failed to read (`failed`) lose their last read, which no one should rely on now. */
export function recordChannelReads(
  db: StateDb,
  reads: readonly ChannelRead[],
  failed: readonly { bundle: string; environment: string }[] = [],
): void {
  if (reads.length === 0 && failed.length === 0) return;
  const put = db.prepare(
    'INSERT INTO channel_reads (bundle, environment, digest, read_at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET digest = excluded.digest, read_at = excluded.read_at',
  );
  const drop = db.prepare('DELETE FROM channel_reads WHERE bundle = ? AND environment = ?');
  db.transaction(() => {
    for (const r of reads) put.run(r.bundle, r.environment, r.digest, r.at);
    for (const f of failed) drop.run(f.bundle, f.environment);
  }).immediate();
}

/** The last read of one channel tag, or undefined when none was recorded. */
export function channelRead(
  db: StateDb,
  { bundle, environment }: { bundle: string; environment: string },
): Pick<ChannelRead, 'digest' | 'at'> | undefined {
  return db
    .prepare('SELECT digest, read_at AS at FROM channel_reads WHERE bundle = ? AND environment = ?')
    .get(bundle, environment) as Pick<ChannelRead, 'digest' | 'at'> | undefined;
}
