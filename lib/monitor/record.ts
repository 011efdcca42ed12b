/**
 * Turns the monitor's observations into findings in the state database: a
 * drifted member opens a finding or refreshes the open one (last_seen, fields),
 * a member that matches again resolves it: `healed` while a heal of that
 * bundle on that cluster is running, `released` when the cluster has moved to
 * another version since the finding was opened, else `matched`. Findings on
 * members that left the version, or on a bundle gone from the cluster, are
 * resolved `removed`. Field values arrive masked from the comparison.
 *
 * @example
 *   const change = recordObservation({ db, observation });
 *   if (change?.change === 'opened') notify(change.finding);
 */
import { refKey } from '../object/ref.ts';

import {
  type FindingRecord,
  type FindingTarget,
  openFinding,
  openFindings,
  recordFinding,
  resolveFinding,
  targetOf,
} from '../state/drift.ts';

import type { StateDb } from '../state/open.ts';
import type { Observation } from '../drift/observation.ts';

export type FindingChange = 'opened' | 'changed' | 'resolved';

export interface RecordedChange {
  finding: FindingRecord;
  change: FindingChange;
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/** Applies one observation; returns what changed in the findings (nothing when a re-detection only moved last_seen). */
export function recordObservation({
  db,
  observation: o,
  healId,
}: {
  db: StateDb;
  observation: Observation;
  healId?: number;
}): RecordedChange[] {
  if (o.type === 'judged') {
    const target: FindingTarget = {
      bundle: o.bundle,
      cluster: o.cluster,
      apiVersion: o.member.apiVersion,
      objectKind: o.member.kind,
      namespace: o.member.namespace,
      name: o.member.name,
    };
    const at = new Date(o.at).toISOString();
    if (o.drift) {
      const r = recordFinding(db, {
        ...target,
        version: o.version,
        digest: o.digest,
        ref: o.ref,
        kind: o.drift.kind,
        fields: o.drift.fields,
        detectedBy: o.detectedBy,
        at,
      });
      return r.opened
        ? [{ finding: r.finding, change: 'opened' }]
        : r.changed
          ? [{ finding: r.finding, change: 'changed' }]
          : [];
    }
    const open = openFinding(db, target);
    if (!open) return [];
    const resolution = healId !== undefined ? 'healed' : open.digest !== o.digest ? 'released' : 'matched';
    const done = resolveFinding(db, { ...target, resolution, ...(healId !== undefined ? { healId } : {}) });
    return done ? [{ finding: done, change: 'resolved' }] : [];
  }
  const keep =
    o.type === 'version'
      ? new Set(
          o.members.map((m) =>
            refKey({ group: groupOf(m.apiVersion), kind: m.kind, namespace: m.namespace, name: m.name }),
          ),
        )
      : new Set<string>();
  const out: RecordedChange[] = [];
  for (const f of openFindings(db, { bundle: o.bundle, cluster: o.cluster })) {
    if (keep.has(refKey({ group: groupOf(f.apiVersion), kind: f.objectKind, namespace: f.namespace, name: f.name })))
      continue;
    const done = resolveFinding(db, { ...targetOf(f), resolution: 'removed' });
    if (done) out.push({ finding: done, change: 'resolved' });
  }
  return out;
}

/** Open findings on a cluster whose bundle is no longer present there (its inventory gone) are moot: resolved `removed`. */
export function resolveGone({
  db,
  cluster,
  present,
}: {
  db: StateDb;
  cluster: string;
  present: readonly string[];
}): RecordedChange[] {
  const running = new Set(present);
  const gone = new Set(
    openFindings(db, { cluster })
      .map((f) => f.bundle)
      .filter((b) => !running.has(b)),
  );
  return [...gone].flatMap((bundle) => recordObservation({ db, observation: { type: 'gone', bundle, cluster } }));
}
