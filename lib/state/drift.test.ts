import { describe, expect, it } from 'vitest';
import {
  beginHeal,
  finishHeal,
  listFindings,
  listHeals,
  openFindings,
  recordFinding,
  resolveFinding,
} from './drift.ts';
import { openState } from './open.ts';

const target = {
  bundle: 'web',
  cluster: 'c1',
  apiVersion: 'v1',
  objectKind: 'ConfigMap',
  namespace: 'shop',
  name: 'cfg',
};
const input = (fields: { path: string; desired?: unknown; live?: unknown }[], at: string) => ({
  ...target,
  version: '1.0.0',
  digest: 'sha256:aa',
  ref: 'ConfigMap/shop/cfg',
  kind: 'changed' as const,
  fields,
  detectedBy: 'watch' as const,
  at,
});

describe('state: drift findings', () => {
  it('keeps one open finding per object: seeing it again moves last_seen, not a new row', () => {
    const db = openState({ path: ':memory:' });
    const a = recordFinding(db, input([{ path: 'data.A', desired: '1', live: '2' }], '2026-01-01T00:00:00.000Z'));
    expect(a.opened).toBe(true);
    const b = recordFinding(db, input([{ path: 'data.A', desired: '1', live: '2' }], '2026-01-01T00:01:00.000Z'));
    expect(b).toMatchObject({ opened: false, changed: false });
    expect(b.finding).toMatchObject({
      id: a.finding.id,
      firstSeen: '2026-01-01T00:00:00.000Z',
      lastSeen: '2026-01-01T00:01:00.000Z',
    });
    const c = recordFinding(db, input([{ path: 'data.A', desired: '1', live: '3' }], '2026-01-01T00:02:00.000Z'));
    expect(c).toMatchObject({ opened: false, changed: true });
    expect(openFindings(db)).toHaveLength(1);
    expect(openFindings(db)[0]!.fields).toEqual([{ path: 'data.A', desired: '1', live: '3' }]);
  });

  it('resolves, and a later drift of the same object opens a new row', () => {
    const db = openState({ path: ':memory:' });
    recordFinding(db, input([{ path: 'data.A' }], '2026-01-01T00:00:00.000Z'));
    const heal = beginHeal(db, {
      bundle: 'web',
      cluster: 'c1',
      version: '1.0.0',
      digest: 'sha256:aa',
      refs: ['ConfigMap/shop/cfg'],
    });
    expect(heal.outcome).toBe('started');
    const r = resolveFinding(db, { ...target, resolution: 'healed', healId: heal.id, at: '2026-01-01T00:00:05.000Z' });
    expect(r).toMatchObject({ resolution: 'healed', resolvedAt: '2026-01-01T00:00:05.000Z', healId: heal.id });
    expect(resolveFinding(db, { ...target, resolution: 'matched' })).toBeUndefined();
    expect(openFindings(db)).toEqual([]);
    expect(recordFinding(db, input([{ path: 'data.A' }], '2026-01-01T00:10:00.000Z')).opened).toBe(true);
    expect(listFindings(db).map((f) => f.resolution)).toEqual([null, 'healed']);
    expect(openFindings(db, { cluster: 'c2' })).toEqual([]);
  });

  it('journals heals: started then finished, or skipped with the reason', () => {
    const db = openState({ path: ':memory:' });
    const h = beginHeal(db, {
      bundle: 'web',
      cluster: 'c1',
      version: '1.0.0',
      digest: 'sha256:aa',
      refs: ['Deployment/shop/web'],
    });
    finishHeal(db, h.id, { outcome: 'failed', reason: 'boom' });
    beginHeal(db, {
      bundle: 'web',
      cluster: 'c1',
      version: '1.0.0',
      digest: 'sha256:aa',
      refs: [],
      skipped: 'a release is in progress',
    });
    expect(listHeals(db).map((x) => [x.outcome, x.reason, x.finishedAt !== null])).toEqual([
      ['skipped', 'a release is in progress', true],
      ['failed', 'boom', true],
    ]);
  });
});
