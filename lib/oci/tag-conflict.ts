/** The one error both stores raise when an immutable tag would move. */
import { ConflictError } from '../errors/errors.ts';
import type { Digest } from './digest.ts';

export function immutableConflict(
  target: { location: string },
  tag: string,
  current: Digest,
  wanted: Digest,
): ConflictError {
  return new ConflictError(
    `tag ${tag} in ${target.location} is immutable and already points at ${current}, not ${wanted}`,
    {
      data: { location: target.location, tag, digest: current, wantedDigest: wanted },
    },
  );
}
