/**
 * Channel marks: per (bundle, environment), the digest Drover last knew the
 * environment's channel tag to name, because it moved the tag there or
 * followed it there. A tag naming anything else was moved by someone else
 * (`oras tag`, a registry UI, CI) and is the environment's new desired
 * state; a tag naming its mark while the clusters run something else is a
 * difference Drover already knows of (a failed rollout kept, a deploy to one
 * cluster by hand, a retirement), not a move to follow. Losing the table
 * loses nothing: every tag then counts as moved, and following a tag the
 * clusters already run changes nothing.
 *
 * @example
 *   markChannel(db, { bundle: 'web', environment: 'prod', digest });
 *   channelMark(db, { bundle: 'web', environment: 'prod' }) // { digest, at }
 */
import type { StateDb } from './open.ts';

export interface ChannelMark {
  digest: string;
  at: string;
}

export function markChannel(
  db: StateDb,
  { bundle, environment, digest }: { bundle: string; environment: string; digest: string },
): void {
  db.prepare(
    'INSERT INTO channel_marks (bundle, environment, digest, at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET digest = excluded.digest, at = excluded.at',
  ).run(bundle, environment, digest, new Date().toISOString());
}

export function channelMark(
  db: StateDb,
  { bundle, environment }: { bundle: string; environment: string },
): ChannelMark | undefined {
  return db
    .prepare('SELECT digest, at FROM channel_marks WHERE bundle = ? AND environment = ?')
    .get(bundle, environment) as ChannelMark | undefined;
}
