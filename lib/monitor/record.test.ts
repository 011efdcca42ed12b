import { describe, expect, it } from 'vitest';
import { beginHeal, listFindings, openFindings } from '../state/drift.ts';
import { openState } from '../state/open.ts';
import type { Observation } from '../drift/observation.ts';
import { recordObservation, resolveGone } from './record.ts';

const member = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cfg' };
const other = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const judged = (
  drift: { path: string; live?: unknown }[] | 'missing' | null,
  { digest = 'sha256:a', version = '1.0.0', m = member, at = 0 } = {},
): Observation => ({
  type: 'judged',
  bundle: 'web',
  cluster: 'c1',
  version,
  digest,
  member: m,
  ref: `${m.kind}/${m.namespace}/${m.name}`,
  drift:
    drift === null
      ? null
      : drift === 'missing'
        ? { kind: 'missing', fields: [] }
        : { kind: 'changed', fields: drift.map((f) => ({ ...f, desired: 'x', managers: ['kubectl-edit'] })) },
  detectedBy: 'watch',
  at,
});

describe('recordObservation', () => {
  it('opens, refreshes, changes and resolves one finding per object', () => {
    const db = openState({ path: ':memory:' });
    const rec = (o: Observation, healId?: number) =>
      recordObservation({ db, observation: o, ...(healId !== undefined ? { healId } : {}) }).map((c) => [
        c.change,
        c.finding.kind,
        c.finding.resolution,
      ]);
    expect(rec(judged([{ path: 'data.A', live: 'y' }], { at: 1000 }))).toEqual([['opened', 'changed', null]]);
    expect(rec(judged([{ path: 'data.A', live: 'y' }], { at: 2000 }))).toEqual([]);
    expect(openFindings(db)[0]).toMatchObject({
      firstSeen: new Date(1000).toISOString(),
      lastSeen: new Date(2000).toISOString(),
    });
    expect(rec(judged('missing'))).toEqual([['changed', 'missing', null]]);
    expect(rec(judged(null))).toEqual([['resolved', 'missing', 'matched']]);
    expect(rec(judged(null))).toEqual([]);

    rec(judged([{ path: 'data.A' }]));
    const heal = beginHeal(db, {
      bundle: 'web',
      cluster: 'c1',
      version: '1.0.0',
      digest: 'sha256:a',
      refs: ['ConfigMap/shop/cfg'],
    });
    expect(rec(judged(null), heal.id)).toEqual([['resolved', 'changed', 'healed']]);
    expect(listFindings(db)[0]!.healId).toBe(heal.id);

    rec(judged([{ path: 'data.A' }]));
    expect(rec(judged(null, { digest: 'sha256:b', version: '1.0.1' }))).toEqual([['resolved', 'changed', 'released']]);
  });

  it('resolves findings on members that left the version, and all of them when the bundle is gone', () => {
    const db = openState({ path: ':memory:' });
    recordObservation({ db, observation: judged('missing') });
    recordObservation({ db, observation: judged('missing', { m: other }) });
    const moved = recordObservation({
      db,
      observation: {
        type: 'version',
        bundle: 'web',
        cluster: 'c1',
        version: '1.0.1',
        digest: 'sha256:b',
        members: [other],
      },
    });
    expect(moved.map((c) => [c.finding.ref, c.finding.resolution])).toEqual([['ConfigMap/shop/cfg', 'removed']]);
    expect(recordObservation({ db, observation: { type: 'gone', bundle: 'web', cluster: 'c2' } })).toEqual([]);
    expect(
      recordObservation({ db, observation: { type: 'gone', bundle: 'web', cluster: 'c1' } }).map((c) => c.finding.ref),
    ).toEqual(['Deployment/shop/web']);
    expect(openFindings(db)).toEqual([]);
  });

  it.each([
    ['the bundle still present', ['web'], []],
    ['another bundle present', ['api'], ['ConfigMap/shop/cfg']],
    ['nothing present', [], ['ConfigMap/shop/cfg']],
  ])("resolves a cluster's findings of bundles gone from it: %s", (_what, present, resolved) => {
    const db = openState({ path: ':memory:' });
    recordObservation({ db, observation: judged('missing') });
    recordObservation({ db, observation: { ...judged('missing'), cluster: 'c2' } });
    expect(resolveGone({ db, cluster: 'c1', present }).map((c) => [c.finding.ref, c.finding.resolution])).toEqual(
      resolved.map((r) => [r, 'removed']),
    );
    expect(openFindings(db, { cluster: 'c2' })).toHaveLength(1);
  });
});
