/**
 * What a drift monitor tells its owner, as plain data: a member judged (with
 * its drift, or null when it matches), the version a cluster now runs for a
 * bundle (findings on members outside it are moot), or a bundle gone from a
 * cluster. The monitor (lib/monitor) produces these; turning them into
 * findings in the state database is lib/monitor/record.ts.
 *
 * @example
 *   const o: Observation = { type: 'gone', bundle: 'web', cluster: 'c1' };
 */
import type { ObjectId } from '../object/ref.ts';
import type { ObjectDrift } from './assess.ts';

/** How a change was seen: a watch event, or a full pass (a list, a version loaded, a release ending). */
export type DetectedBy = 'watch' | 'scan';

export type Observation =
  | {
      type: 'judged';
      bundle: string;
      cluster: string;
      version: string;
      digest: string;
      member: ObjectId;
      ref: string;
      /** Null when the member matches. */
      drift: ObjectDrift | null;
      detectedBy: DetectedBy;
      /** When the change was seen (ms since epoch). */
      at: number;
    }
  /** The cluster now runs `version` of the bundle with these members (findings on other members are moot). */
  | { type: 'version'; bundle: string; cluster: string; version: string; digest: string; members: ObjectId[] }
  /** The bundle no longer runs on the cluster. */
  | { type: 'gone'; bundle: string; cluster: string };
